package io.flagramp.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A server of the test bed running as a child process of the test JVM, with its output (stdout and
 * stderr) in one log file that outlives the run, so a failed test can be read afterwards.
 */
final class TestBedProcess implements AutoCloseable {

  private static final int TAIL_LINES = 40;

  private final String name;
  private final Process process;
  private final Path log;

  private TestBedProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code command}, truncating {@code log} first so it holds this run only. */
  static TestBedProcess start(String name, List<String> command, Path log) {
    try {
      Files.createDirectories(log.getParent());
      Process process = new ProcessBuilder(new ArrayList<>(command))
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      return new TestBedProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name + ": " + command, e);
    }
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** The last lines of the log, for an error message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - TAIL_LINES), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /** What went wrong, for an exception: whether the process still runs, and the end of its log. */
  String describe() {
    String state = process.isAlive() ? "running" : "exited with " + process.exitValue();
    return name + " (" + state + ", log " + log.toAbsolutePath() + "), last lines:\n" + logTail();
  }

  /** SIGTERM, and SIGKILL if it has not gone after a while. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
