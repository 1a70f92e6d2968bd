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

  /** For tests: a small heap, and C1 only, which starts fastest. */
  static final List<String> TEST_JVM = List.of("-Xmx256m", "-XX:TieredStopAtLevel=1");

  private final Path kubeconfig;
  private final Map<String, String> settings;
  private final Path logs;
  private final List<String> jvmOptions;
  private final List<Path> logFiles = new ArrayList<>();
  private Process process;

  OperatorProcess(Path kubeconfig, Map<String, String> settings, Path logs) {
    this(kubeconfig, settings, logs, TEST_JVM);
  }

  /** With these JVM options instead of {@link #TEST_JVM}: a benchmark wants the JIT a deployment has. */
  OperatorProcess(Path kubeconfig, Map<String, String> settings, Path logs, List<String> jvmOptions) {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: the integration tests run after `package`");
    }
    this.kubeconfig = kubeconfig;
    this.settings = settings;
    this.logs = logs;
    this.jvmOptions = List.copyOf(jvmOptions);
  }

  void start() {
    Path log = logs.resolve("operator-" + (logFiles.size() + 1) + ".log");
    logFiles.add(log);
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", JAR.toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
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

  /** The running process's id, for jcmd. */
  long pid() {
    return process.pid();
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
