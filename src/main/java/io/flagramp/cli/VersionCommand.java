package io.flagramp.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** {@code kubectl flagramp version}: this plugin's version and the Java that runs it; asks no cluster. */
@Command(name = "version", description = "Print the plugin's version and the Java it runs on.")
final class VersionCommand implements Callable<Integer> {

  @ParentCommand
  FlagrampCli cli;

  @Override
  public Integer call() {
    cli.out().println("kubectl-flagramp " + version() + " (Java " + Runtime.version() + ", "
        + System.getProperty("java.vendor", "unknown vendor") + ")");
    cli.out().flush();
    return ExitCodes.OK;
  }

  /** The build's version, from the jar's manifest; classes run from a build directory have none. */
  static String version() {
    String version = FlagrampCli.class.getPackage().getImplementationVersion();
    return version == null ? "(development build)" : version;
  }
}
