package io.flagramp.it;

import io.flagramp.core.Printable;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import io.flagramp.testbed.TestBed;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packaged {@code kubectl flagramp}, installed as the README says (a symlink to
 * target/kubectl-flagramp in a folder on the PATH, which the launcher follows back to the jar) and run
 * through the real kubectl's plugin mechanism.
 */
final class KubectlPlugin {

  private static final Logger log = LoggerFactory.getLogger(KubectlPlugin.class);
  static final Path LAUNCHER = Path.of("target", "kubectl-flagramp").toAbsolutePath();

  /** The environment kubectl runs in: the plugin on its PATH, and the Java this build runs on. */
  final Map<String, String> env;

  private KubectlPlugin(Map<String, String> env) {
    this.env = env;
  }

  /** Links the launcher into {@code bin}; skips the test when the build has not packaged it. */
  static KubectlPlugin installIn(Path bin) throws IOException {
    if (!Files.isExecutable(LAUNCHER) || !Files.isRegularFile(Path.of("target", "flagramp-operator.jar"))) {
      TestBed.missing("the packaged plugin (" + LAUNCHER + " and target/flagramp-operator.jar)",
          "./mvnw package builds them");
    }
    Files.createSymbolicLink(bin.resolve("kubectl-flagramp"), LAUNCHER);
    return new KubectlPlugin(Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"),
        "JAVA_HOME", System.getProperty("java.home")));
  }

  /** {@code kubectl flagramp args...}, with the test cluster's kubeconfig unless args name another. */
  KubectlResult run(KubeTestCluster cluster, String... args) {
    List<String> command = new ArrayList<>(List.of("flagramp"));
    command.addAll(List.of(args));
    long started = System.nanoTime();
    KubectlResult result = cluster.kubectlWithEnvironment(env, command.toArray(String[]::new));
    log.info("kubectl {} -> exit {} in {} ms:\n{}", Printable.escape(String.join(" ", command)), result.exitCode(),
        (System.nanoTime() - started) / 1_000_000, result.output());
    return result;
  }
}
