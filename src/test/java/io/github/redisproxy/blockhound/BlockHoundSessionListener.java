package io.github.redisproxy.blockhound;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * Installs BlockHound once for the whole unit-test JVM, before any test runs: a blocking call on an
 * event loop or a Reactor non-blocking thread then fails with {@link BlockingOperationError}
 * wherever it happens, and is recorded in {@link #violations()} so that a test can assert none
 * occurred even where the error was swallowed.
 */
public final class BlockHoundSessionListener implements LauncherSessionListener {
  /**
   * Set to {@code off} for the system tests' JVM (see the failsafe configuration in the pom): their
   * proxy runs in another process, so BlockHound there would police only the tests' own client
   * libraries. It did: a cold Lettuce client parks on its event loop while it initializes,
   * BlockHound threw into its channel registration, and one handshake in a few runs never
   * completed.
   */
  static final String SWITCH = "redisproxy.blockhound";

  private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if ("off".equals(System.getProperty(SWITCH))) {
      return;
    }
    // install(...) also loads the integrations on the class path (Reactor's, Netty's, Reactor
    // Netty's), which mark their event-loop and non-blocking threads; BlockHound.builder() alone
    // would check no thread at all.
    BlockHound.install(
        builder ->
            builder
                // Log lines are written synchronously to the console. The proxy logs per event (a
                // lost connection, an unexpected error), never per request at the default level;
                // console logging is not what this guards.
                .allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes")
                // Lettuce takes a short lock of its own on the caller's thread for every command,
                // contended only while the connection changes state (close, reconnect). Throwing
                // inside it is worse than the wait: DefaultEndpoint decrements its writer count in
                // a finally after a failed increment, the count goes negative, and every later
                // command spins forever (seen once: a request racing the proxy's stop in
                // RequestPathIsNonBlockingTest).
                .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "incrementWriters")
                .allowBlockingCallsInside("io.lettuce.core.protocol.SharedLock", "doExclusive")
                // Building a connection (connectAsync, which the load generator's RESP mode calls
                // from Lettuce's own threads) takes a lock around Lettuce's shared cache of method
                // translations for its synchronous API; contended only while several connections
                // are built at once. Seen once in a full run: LoadGeneratorRespTest got io errors.
                .allowBlockingCallsInside(
                    "io.lettuce.core.internal.AbstractInvocationHandler$MethodTranslator", "of")
                .blockingMethodCallback(
                    method -> {
                      VIOLATIONS.add(method + " on " + Thread.currentThread().getName());
                      throw new BlockingOperationError(method);
                    }));
  }

  /** Every blocking call seen on a non-blocking thread since the JVM started. */
  public static List<String> violations() {
    return List.copyOf(VIOLATIONS);
  }
}
