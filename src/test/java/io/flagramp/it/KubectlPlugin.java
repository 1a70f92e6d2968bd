package io.flagramp.it;

import io.flagramp.core.Printable;
import io.flagramp.testbed.KubeTestCluster;
import io.flagramp.testbed.KubeTestCluster.KubectlResult;
import io.flagramp.testbed.TestBed;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The packaged {@code kubectl flagramp}, installed as the README says: the one file target/kubectl-flagramp
 * copied, alone, into a folder on the PATH, and run through the real kubectl's plugin mechanism. Its first
 * run unpacks its jars under XDG_CACHE_HOME, here a folder of the test's own.
 */
final class KubectlPlugin {

  private static final Logger log = LoggerFactory.getLogger(KubectlPlugin.class);
  static final Path SINGLE_FILE = Path.of("target", "kubectl-flagramp").toAbsolutePath();

  /** The environment kubectl runs in: the plugin on its PATH, the Java this build runs on, a fresh cache. */
  final Map<String, String> env;

  private KubectlPlugin(Map<String, String> env) {
    this.env = env;
  }

  /** Copies the single file into {@code bin}; a build that has not packaged it fails (CI) or skips. */
  static KubectlPlugin installIn(Path bin) throws IOException {
    if (!Files.isExecutable(SINGLE_FILE)) {
      TestBed.missing("the packaged plugin (" + SINGLE_FILE + ")", "./mvnw package builds it");
    }
    Path installed = bin.resolve("kubectl-flagramp");
    Files.copy(SINGLE_FILE, installed, StandardCopyOption.COPY_ATTRIBUTES);
    Path cache = Files.createDirectories(bin.resolve(".cache"));
    return new KubectlPlugin(Map.of("PATH", bin + File.pathSeparator + System.getenv("PATH"),
        "JAVA_HOME", System.getProperty("java.home"), "XDG_CACHE_HOME", cache.toString()));
  }

  /** Where the first run unpacked the jars. */
  Path cache() {
    return Path.of(env.get("XDG_CACHE_HOME"));
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
