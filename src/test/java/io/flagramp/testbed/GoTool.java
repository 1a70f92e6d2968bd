package io.flagramp.testbed;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One of the small Go programs of {@code src/test/go/}, as {@code src/test/provision/gotools.sh} built it
 * for this checkout and linked it under {@code flagramp.gotools} ({@code target/gotools}): most read a JSON
 * document on stdin and print their answer on stdout ({@link #run}); a server among them is started from
 * its {@link #binary()}.
 */
public final class GoTool {

  private final Path binary;

  private GoTool(Path binary) {
    this.binary = binary;
  }

  /** The program; a missing one fails the test under CI=true and skips it elsewhere. */
  public static GoTool named(String name) {
    Path binary = Path.of(System.getProperty("flagramp.gotools", "target/gotools")).resolve(name);
    if (!Files.isExecutable(binary)) {
      TestBed.missing(binary.toString(), "run src/test/provision/gotools.sh (./mvnw verify runs it) to build it");
    }
    return new GoTool(binary);
  }

  /** The built program, for a caller that runs it as a long-lived process. */
  public Path binary() {
    return binary;
  }

  /** Runs it with {@code args}, {@code stdin} as its input; its stdout, or an exception with its stderr. */
  public String run(String stdin, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binary.toString());
    command.addAll(List.of(args));
    try {
      Process process = new ProcessBuilder(command).start();
      CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> stderr(process));
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      byte[] stdout = process.getInputStream().readAllBytes();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(command + " did not finish");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(command + " exited " + process.exitValue() + ": "
            + new String(stderr.join(), StandardCharsets.UTF_8));
      }
      return new String(stdout, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + command, e);
    }
  }

  private static byte[] stderr(Process process) {
    try {
      return process.getErrorStream().readAllBytes();
    } catch (IOException e) {
      return ("(stderr unreadable: " + e + ")").getBytes(StandardCharsets.UTF_8);
    }
  }
}
