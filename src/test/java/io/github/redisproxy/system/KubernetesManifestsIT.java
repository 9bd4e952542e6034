package io.github.redisproxy.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.redisproxy.config.Setting;
import io.github.redisproxy.config.Settings;
import io.github.redisproxy.testing.ProxyExtension;
import io.github.redisproxy.testing.RedisServerExtension;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/kubernetes/ against the code: the ConfigMap's settings are the proxy's and start it; the
 * container ports are the ports those settings give; the probes answer 200 on a proxy started with
 * them; the Service targets ports the container has; the grace period outlasts the preStop pause
 * plus SHUTDOWN_TIMEOUT; the container runs as the Dockerfile's non-root user, read-only.
 */
class KubernetesManifestsIT {
  private static final Path DIR = Path.of("deploy", "kubernetes");

  /** Where the ConfigMap differs from .env.example, and why: the container's fixed RESP port. */
  private static final Map<String, String> CONTAINER_VALUES = Map.of("RESP_PORT", "6379");

  /** Settings that come from the Secret, never from the ConfigMap. */
  private static final Set<String> SECRET_SETTINGS =
      Set.of(
          "AUTH_TOKENS_FILE",
          "MANAGEMENT_TOKEN",
          "TLS_CERT_FILE",
          "TLS_KEY_FILE",
          "TLS_CLIENT_CA_FILE");

  private static final Map<String, String> configMap = data(manifest("configmap.yaml"));

  @RegisterExtension
  @Order(1)
  static final RedisServerExtension redis = new RedisServerExtension();

  /** The proxy with the ConfigMap's settings, but free ports and the test's Redis. */
  @RegisterExtension
  @Order(2)
  static final ProxyExtension proxy = withConfigMap(ProxyExtension.builder().redis(redis)).build();

  @Test
  void theConfigMapHasEverySettingOfEnvExampleButSecretsWithItsValue() throws IOException {
    Map<String, String> expected = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(".env.example"))) {
      int equals = line.indexOf('=');
      if (!line.startsWith("#") && equals > 0) {
        String name = line.substring(0, equals);
        if (!SECRET_SETTINGS.contains(name)) {
          expected.put(name, CONTAINER_VALUES.getOrDefault(name, line.substring(equals + 1)));
        }
      }
    }
    assertThat(configMap).isEqualTo(expected);
    Set<String> settings = Settings.ALL.stream().map(Setting::name).collect(Collectors.toSet());
    assertThat(settings).containsAll(configMap.keySet()).containsAll(SECRET_SETTINGS);
  }

  @Test
  void containerPortsAreTheConfiguredOnesAndTheServiceTargetsThem() {
    Map<String, Object> container = container();
    Map<String, Integer> ports = new HashMap<>();
    for (Map<String, Object> port :
        KubernetesManifestsIT.<Map<String, Object>>list(container.get("ports"))) {
      ports.put((String) port.get("name"), (Integer) port.get("containerPort"));
    }
    assertThat(ports)
        .isEqualTo(
            Map.of(
                "http", Integer.parseInt(configMap.get("PROXY_PORT")),
                "resp", Integer.parseInt(configMap.get("RESP_PORT")),
                "management", Integer.parseInt(configMap.get("MANAGEMENT_PORT"))));
    Map<String, Object> service = map(manifest("service.yaml").get("spec"));
    for (Map<String, Object> port :
        KubernetesManifestsIT.<Map<String, Object>>list(service.get("ports"))) {
      assertThat(ports).containsKey((String) port.get("targetPort"));
    }
    assertThat(map(service.get("selector")))
        .isEqualTo(map(map(map(deployment().get("spec")).get("selector")).get("matchLabels")));
    assertThat(map(map(manifest("poddisruptionbudget.yaml").get("spec")).get("selector")))
        .isEqualTo(map(map(deployment().get("spec")).get("selector")));
  }

  @Test
  void theProbesAnswerOnTheManagementPort() throws Exception {
    Map<String, Object> container = container();
    HttpClient client = HttpClient.newHttpClient();
    for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
      Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
      assertThat(get.get("port")).as(probe).isEqualTo("management");
      HttpResponse<String> answer =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + proxy.managementPort() + get.get("path")))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).as(probe + " " + get.get("path")).isEqualTo(200);
    }
    assertThat(map(map(container.get("livenessProbe")).get("httpGet")).get("path"))
        .isEqualTo("/health/live");
    assertThat(map(map(container.get("readinessProbe")).get("httpGet")).get("path"))
        .isEqualTo("/health");
  }

  @Test
  void theGracePeriodOutlastsThePreStopPauseAndTheDrain() {
    Map<String, Object> pod = map(map(map(deployment().get("spec")).get("template")).get("spec"));
    List<Object> preStop =
        list(map(map(map(container().get("lifecycle")).get("preStop")).get("exec")).get("command"));
    assertThat(preStop.get(0)).isEqualTo("sleep");
    int pause = Integer.parseInt((String) preStop.get(1));
    int drain = Integer.parseInt(configMap.get("SHUTDOWN_TIMEOUT"));
    assertThat((Integer) pod.get("terminationGracePeriodSeconds")).isGreaterThan(pause + drain);
  }

  @Test
  void theContainerRunsAsTheImagesNonRootUserOnAReadOnlyFilesystem() throws IOException {
    Map<String, Object> pod = map(map(map(deployment().get("spec")).get("template")).get("spec"));
    Map<String, Object> podSecurity = map(pod.get("securityContext"));
    assertThat(podSecurity.get("runAsNonRoot")).isEqualTo(true);
    assertThat(Files.readString(Path.of("Dockerfile")))
        .contains("USER " + podSecurity.get("runAsUser") + ":" + podSecurity.get("runAsGroup"));
    Map<String, Object> security = map(container().get("securityContext"));
    assertThat(security.get("readOnlyRootFilesystem")).isEqualTo(true);
    assertThat(security.get("allowPrivilegeEscalation")).isEqualTo(false);
  }

  private static ProxyExtension.Builder withConfigMap(ProxyExtension.Builder builder) {
    Set<String> chosenByTheTest =
        Set.of("REDIS_ADDRESS", "PROXY_PORT", "RESP_PORT", "MANAGEMENT_PORT", "BIND_ADDRESS");
    configMap.forEach(
        (name, value) -> {
          if (!chosenByTheTest.contains(name)) {
            builder.env(name, value);
          }
        });
    return builder;
  }

  private static Map<String, Object> deployment() {
    return manifest("deployment.yaml");
  }

  private static Map<String, Object> container() {
    Map<String, Object> pod = map(map(map(deployment().get("spec")).get("template")).get("spec"));
    List<Map<String, Object>> containers = list(pod.get("containers"));
    assertThat(containers).hasSize(1);
    return containers.get(0);
  }

  private static Map<String, String> data(Map<String, Object> configMap) {
    Map<String, String> data = new LinkedHashMap<>();
    map(configMap.get("data")).forEach((name, value) -> data.put(name, (String) value));
    return data;
  }

  private static Map<String, Object> manifest(String file) {
    try (Reader reader = Files.newBufferedReader(DIR.resolve(file))) {
      return new Yaml().load(reader);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static <T> List<T> list(Object value) {
    return (List<T>) value;
  }
}
