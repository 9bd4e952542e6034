package io.github.redisproxy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package arrows of docs/architecture.md, checked on the main classes' bytecode: {@code app →
 * management → http, resp → tls, access → lookup → cache, backend, metrics, tracing → config}, and
 * {@code app → loadtest}, which stands alone. A package uses only packages to its right (skipping
 * is allowed: {@code management} asks {@code backend} for its health); packages side by side
 * ({@code http} and {@code resp}; {@code cache}, {@code backend} and {@code metrics}) never use
 * each other. The rules name packages, not classes, so that classes can move within a package
 * freely; a new package fails the first rule until it is given its place here and in the document.
 */
@AnalyzeClasses(
    packages = "io.github.redisproxy",
    importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {
  private static final String ROOT = "io.github.redisproxy.";
  private static final String LETTUCE = "io.lettuce..";
  private static final String CAFFEINE = "com.github.benmanes.caffeine..";
  private static final String NETTY_HTTP = "io.netty.handler.codec.http..";
  private static final String REACTOR_NETTY_HTTP = "reactor.netty.http..";

  @ArchTest
  static final ArchRule packagesUseOnlyPackagesToTheirRight =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .ensureAllClassesAreContainedInArchitecture()
          .layer("app")
          .definedBy(ROOT + "app..")
          .layer("management")
          .definedBy(ROOT + "management..")
          .layer("http")
          .definedBy(ROOT + "http..")
          .layer("resp")
          .definedBy(ROOT + "resp..")
          .layer("tls")
          .definedBy(ROOT + "tls..")
          .layer("access")
          .definedBy(ROOT + "access..")
          .layer("lookup")
          .definedBy(ROOT + "lookup..")
          .layer("cache")
          .definedBy(ROOT + "cache..")
          .layer("backend") // with backend.embedded
          .definedBy(ROOT + "backend..")
          .layer("metrics")
          .definedBy(ROOT + "metrics..")
          .layer("tracing")
          .definedBy(ROOT + "tracing..")
          .layer("config")
          .definedBy(ROOT + "config..")
          .layer("loadtest")
          .definedBy(ROOT + "loadtest..")
          .whereLayer("app")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("management")
          .mayOnlyAccessLayers(
              "http", "resp", "tls", "access", "lookup", "cache", "backend", "metrics", "tracing",
              "config")
          .whereLayer("http")
          .mayOnlyAccessLayers(
              "tls", "access", "lookup", "cache", "backend", "metrics", "tracing", "config")
          .whereLayer("resp")
          .mayOnlyAccessLayers(
              "tls", "access", "lookup", "cache", "backend", "metrics", "tracing", "config")
          .whereLayer("access")
          .mayOnlyAccessLayers("lookup", "config")
          .whereLayer("tls")
          .mayOnlyAccessLayers("metrics", "config")
          .whereLayer("lookup")
          .mayOnlyAccessLayers("cache", "backend", "metrics", "tracing", "config")
          .whereLayer("cache")
          .mayOnlyAccessLayers("config")
          .whereLayer("backend")
          .mayOnlyAccessLayers("config")
          .whereLayer("metrics")
          .mayOnlyAccessLayers("config")
          .whereLayer("tracing")
          .mayOnlyAccessLayers("config")
          .whereLayer("config")
          .mayNotAccessAnyLayer()
          .whereLayer("loadtest")
          .mayNotAccessAnyLayer()
          .whereLayer("loadtest")
          .mayOnlyBeAccessedByLayers("app");

  @ArchTest
  static final ArchRule packagesAreFreeOfCycles =
      slices().matching(ROOT + "(*)..").should().beFreeOfCycles();

  @ArchTest
  static final ArchRule frontEndsNeverSeeLettuceOrCaffeine =
      noClasses()
          .that()
          .resideInAnyPackage(ROOT + "http..", ROOT + "resp..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(LETTUCE, CAFFEINE);

  /** OpenTelemetry stays behind the tracing package, so that with tracing off none of it loads. */
  @ArchTest
  static final ArchRule onlyTracingSeesOpenTelemetry =
      noClasses()
          .that()
          .resideOutsideOfPackage(ROOT + "tracing..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("io.opentelemetry..");

  @ArchTest
  static final ArchRule backendNeverSeesHttp =
      noClasses()
          .that()
          .resideInAPackage(ROOT + "backend..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(NETTY_HTTP, REACTOR_NETTY_HTTP);

  @ArchTest
  static final ArchRule cacheKnowsNothingOfRedisOrHttp =
      noClasses()
          .that()
          .resideInAPackage(ROOT + "cache..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(LETTUCE, NETTY_HTTP, REACTOR_NETTY_HTTP);
}
