package io.flagramp.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The chart in {@code helm/flagramp}, linted and rendered by real Helm (its Go library, through
 * helm-java), as {@code helm lint} and {@code helm template} would.
 */
public final class HelmChart {

  public static final Path DIR = Path.of("helm", "flagramp");
  public static final Path DASHBOARD = DIR.resolve("dashboards").resolve("flagramp.json");
  public static final String RELEASE = "flagramp";

  private static final KubernetesSerialization JSON = new KubernetesSerialization();

  private HelmChart() {}

  /**
   * The Kubernetes version rendered for: the test bed's. Helm's library, built without the CLI's
   * link flags, would otherwise assume v1.20, below the chart's kubeVersion.
   */
  public static String kubeVersion() {
    return Optional.ofNullable(System.getProperty("flagramp.k8s.version"))
        .or(() -> Optional.ofNullable(System.getenv("FLAGRAMP_K8S_VERSION"))).orElse("1.34.4");
  }

  /** The Maven project's version, which the chart's appVersion and default image tag must be. */
  public static String projectVersion() {
    return Objects.requireNonNull(System.getProperty("flagramp.version"),
        "the system property flagramp.version (set by the pom for Surefire and Failsafe)");
  }

  public static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  /** {@code helm template flagramp helm/flagramp -n namespace -f values.yaml}; values is YAML text. */
  public static Rendered render(String namespace, String values) {
    return render(RELEASE, namespace, values);
  }

  /** {@code helm template release helm/flagramp -n namespace -f values.yaml}, for several releases side by side. */
  public static Rendered render(String release, String namespace, String values) {
    return render(release, namespace, values, kubeVersion());
  }

  /** The same, for a cluster of another Kubernetes version ({@code --kube-version}). */
  public static Rendered render(String release, String namespace, String values, String kubeVersion) {
    try {
      Path file = Files.createTempFile("flagramp-values", ".yaml");
      try {
        Files.writeString(file, values);
        return new Rendered(new Helm(DIR).template().withName(release).withNamespace(namespace)
            .withKubeVersion(kubeVersion).withValuesFile(file).call());
      } finally {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CRDs the chart installs with its default values (crds.install), as its template renders them. */
  public static List<HasMetadata> crds() {
    return render("flagramp", "").ofKind("CustomResourceDefinition");
  }

  @SuppressWarnings("unchecked")
  static List<HasMetadata> parse(String yaml) {
    Object parsed = JSON.unmarshal(yaml);
    if (parsed instanceof List<?> list) {
      return ((List<HasMetadata>) list).stream().filter(Objects::nonNull).toList();
    }
    return parsed == null ? List.of() : List.of((HasMetadata) parsed);
  }

  /** What {@code helm template} printed, and the objects in it. */
  public record Rendered(String yaml, List<HasMetadata> objects) {

    Rendered(String yaml) {
      this(yaml, parse(yaml));
    }

    public <T extends HasMetadata> List<T> all(Class<T> type) {
      return objects.stream().filter(type::isInstance).map(type::cast).toList();
    }

    public List<HasMetadata> ofKind(String kind) {
      return objects.stream().filter(o -> o.getKind().equals(kind)).toList();
    }

    public <T extends HasMetadata> T one(Class<T> type) {
      List<T> found = all(type);
      if (found.size() != 1) {
        throw new AssertionError("expected one " + type.getSimpleName() + ", rendered " + found.size());
      }
      return found.get(0);
    }

    public Deployment deployment() {
      return one(Deployment.class);
    }

    /** The operator container's environment, in order. */
    public List<EnvVar> env() {
      return deployment().getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    }

    /**
     * The environment as the operator process would see it in a pod: each downward-API variable
     * resolved with {@code resolve} (by its field path).
     */
    public Map<String, String> env(Map<String, String> fieldValues) {
      Map<String, String> env = new LinkedHashMap<>();
      for (EnvVar e : env()) {
        if (e.getValueFrom() != null) {
          String path = e.getValueFrom().getFieldRef().getFieldPath();
          env.put(e.getName(), Objects.requireNonNull(fieldValues.get(path), "no value for " + path));
        } else {
          env.put(e.getName(), e.getValue());
        }
      }
      return env;
    }
  }
}
