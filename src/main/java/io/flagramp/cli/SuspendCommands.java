package io.flagramp.cli;

import io.flagramp.api.v1alpha1.ScalingChange;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * suspend and resume: set spec.suspend with a JSON merge patch under {@value Kube#FIELD_MANAGER}.
 * Unlike the annotations this edits the spec, which a GitOps tool syncing the object may set back;
 * both say so.
 */
final class SuspendCommands {

  static final String GITOPS = "spec.suspend is part of the spec: a GitOps tool that syncs this object may set it"
      + " back (change it in Git there); the annotations of approve, promote, abort and retry it leaves alone";

  private SuspendCommands() {}

  abstract static class SuspendCommand implements Callable<Integer> {

    @ParentCommand
    FlagrampCli root;

    @Parameters(paramLabel = "NAME", description = "The ScalingChange.")
    String name;

    abstract boolean suspend();

    abstract String done();

    @Override
    public Integer call() {
      try (Kube kube = root.connect()) {
        ScalingChange sc = kube.get(name);
        if (sc.getSpec() != null && sc.getSpec().suspended() == suspend()) {
          root.out().println(name + ": spec.suspend is " + suspend() + " already; nothing to do");
          root.out().flush();
          return ExitCodes.OK;
        }
        kube.mergePatch(name, Map.of("spec", Map.of("suspend", suspend())));
        root.out().println(name + ": spec.suspend=" + suspend() + " set: " + done());
        root.out().println("note: " + GITOPS);
        root.out().flush();
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "suspend", description = {"Pause: no step is entered or left (spec.suspend=true). Measuring goes"
      + " on, so a breach still reverts; abort still works.", "Note: " + GITOPS + "."})
  static final class Suspend extends SuspendCommand {

    @Override
    boolean suspend() {
      return true;
    }

    @Override
    String done() {
      return "no step is entered or left until resume; measuring goes on, so a breach still reverts";
    }
  }

  @Command(name = "resume", description = {"Undo suspend (spec.suspend=false).", "Note: " + GITOPS + "."})
  static final class Resume extends SuspendCommand {

    @Override
    boolean suspend() {
      return false;
    }

    @Override
    String done() {
      return "the rollout goes on where it stands; the soak clock kept running while suspended";
    }
  }
}
