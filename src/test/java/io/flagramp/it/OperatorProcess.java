package io.flagramp.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged operator ({@code target/flagramp-operator.jar}) run as its own process, the way a user
 * runs it: {@code java -jar}, the kubeconfig in {@code KUBECONFIG}, settings in {@code FLAGRAMP_*}.
 * Each run logs to its own file, so a test can read what every incarnation said.
 */
final class OperatorProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "flagramp-operator.jar");

  private final Path kubeconfig;
  private final Map<String, String> settings;
  private final Path logs;
  private final List<Path> logFiles = new ArrayList<>();
  private Process process;

  OperatorProcess(Path kubeconfig, Map<String, String> settings, Path logs) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: the integration tests run after `package`");
    }
    this.kubeconfig = kubeconfig;
    this.settings = settings;
    this.logs = logs;
  }

  void start() {
    Path log = logs.resolve("operator-" + (logFiles.size() + 1) + ".log");
    logFiles.add(log);
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", JAR.toString())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile());
    builder.environment().keySet().removeIf(k -> k.startsWith("FLAGRAMP_"));
    builder.environment().put("KUBECONFIG", kubeconfig.toString());
    builder.environment().putAll(settings);
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** SIGKILL: no shutdown hook, no last write. */
  void kill() {
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** Everything every run logged, one line each. */
  List<String> logLines() {
    List<String> lines = new ArrayList<>();
    for (Path f : logFiles) {
      try {
        lines.addAll(Files.readAllLines(f));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return lines;
  }

  int runs() {
    return logFiles.size();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
