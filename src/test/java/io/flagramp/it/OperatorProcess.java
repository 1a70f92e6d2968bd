package io.flagramp.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged operator ({@code target/flagramp-operator.jar}) run as its own process, the way a user
 * runs it: {@code java -jar}, the kubeconfig in {@code KUBECONFIG}, settings in {@code FLAGRAMP_*}.
 * Each run logs to its own file, so a test can read what every incarnation said.
 */
final class OperatorProcess implements AutoCloseable {

  /**
   * The jar under test; {@code -Dflagramp.operator.jar=<path>} runs the ITs against another build of it
   * (say, one from before a fix, to see a regression test fail there).
   */
  static final Path JAR = Path.of(System.getProperty("flagramp.operator.jar", "target/flagramp-operator.jar"));

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

  /**
   * SIGTERM, the way Kubernetes ends a pod in a rolling update: the shutdown hook stops the operator
   * (in-flight reconciles finish) and the process exits. If it has not exited within {@code grace}, it
   * is SIGKILLed, as the kubelet does after terminationGracePeriodSeconds. True if it exited by itself.
   */
  boolean stop(Duration grace) {
    process.destroy();
    try {
      if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        return true;
      }
      process.destroyForcibly();
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** The current run has logged a line containing {@code text}. */
  boolean logged(String text) {
    if (logFiles.isEmpty()) {
      return false;
    }
    return lines(logFiles.get(logFiles.size() - 1)).stream().anyMatch(l -> l.contains(text));
  }

  /** A log's lines; read leniently, since a running process may be midway through a character. */
  private static List<String> lines(Path f) {
    try {
      return new String(Files.readAllBytes(f), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The running process's id, for jcmd. */
  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process != null && process.isAlive();
  }

  /** The log file of the current run, as written. */
  Path logFile() {
    return logFiles.get(logFiles.size() - 1);
  }

  /** Everything every run logged, one line each. */
  List<String> logLines() {
    List<String> lines = new ArrayList<>();
    for (Path f : logFiles) {
      lines.addAll(lines(f));
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
