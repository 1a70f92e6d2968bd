package io.flagramp.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;

/**
 * Where the real servers of the test bed live, and what happens when one is missing.
 *
 * <p>Under {@code CI=true} a missing kube-apiserver, Prometheus, podman or container image fails the run;
 * a developer running a single test from an IDE without having provisioned gets a skipped test that says
 * how to provision.
 */
public final class TestBed {

  static final String PROVISION_HINT =
      "run src/test/provision/testbed.sh (or ./mvnw verify, which runs it) to build and install it";

  private TestBed() {}

  static boolean onCi() {
    return "true".equalsIgnoreCase(System.getenv("CI"));
  }

  /** The directory laid out as {@code <dir>/k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}}. */
  static Path kubeApiTestDir() {
    return Optional.ofNullable(System.getenv("KUBE_API_TEST_DIR"))
        .map(Path::of)
        .orElse(Path.of(System.getProperty("user.home"), ".cache", "flagramp", "kube-api-test"));
  }

  static String kubernetesVersion() {
    return Optional.ofNullable(System.getenv("FLAGRAMP_K8S_VERSION")).orElse("1.34.4");
  }

  static Path kubernetesBinary(String name) {
    return kubeApiTestDir().resolve("k8s").resolve(kubernetesVersion() + "-linux-amd64").resolve(name);
  }

  /**
   * Where kwok and the stage configs it plays live: {@code <dir>/kwok} and {@code <dir>/stages/*.yaml}, as
   * src/test/provision/testbed.sh lays them out.
   */
  static Path kwokDir() {
    return Optional.ofNullable(System.getenv("FLAGRAMP_KWOK_DIR"))
        .map(Path::of)
        .orElse(Path.of(System.getProperty("user.home"), ".cache", "flagramp", "kwok", "0.8.0"));
  }

  /** Where the test bed's own processes (controller-manager, scheduler, kwok) write their logs. */
  static Path logDir() {
    return Path.of(System.getProperty("flagramp.testbed.logs", "target/testbed-logs"));
  }

  /** A loopback port free right now, for a server the test bed starts. */
  static int freeLoopbackPort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Finds an executable on the PATH. */
  public static Optional<Path> onPath(String name) {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    for (String dir : path.split(java.io.File.pathSeparator)) {
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** Fails under CI, skips elsewhere: a real server the test needs is not installed. */
  static void missing(String what) {
    missing(what, PROVISION_HINT);
  }

  /** Fails under CI, skips elsewhere: something the test needs is missing; {@code howToGetIt} says how to make it. */
  public static void missing(String what, String howToGetIt) {
    String message = what + " is missing; " + howToGetIt;
    if (onCi()) {
      throw new ExtensionConfigurationException("CI=true and " + message);
    }
    Assumptions.abort(message);
  }
}
