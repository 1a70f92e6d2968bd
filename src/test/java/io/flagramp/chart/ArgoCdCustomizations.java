package io.flagramp.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The Argo CD resource customizations in {@code helm/flagramp/argocd/}, laid out as Argo CD lays out its
 * own: {@code health.lua}, {@code actions/discovery.lua} and {@code actions/<name>/action.lua}; and the
 * {@code argocd-cm.yaml} patch that embeds them under the keys Argo CD reads. Their tests are laid out as
 * Argo CD's are too ({@code health_test.yaml}, {@code actions/action_test.yaml}, {@code testdata/}).
 */
public final class ArgoCdCustomizations {

  public static final Path DIR = HelmChart.DIR.resolve("argocd");
  public static final Path HEALTH = DIR.resolve("health.lua");
  public static final Path DISCOVERY = DIR.resolve("actions").resolve("discovery.lua");
  public static final Path CONFIG_MAP_PATCH = DIR.resolve("argocd-cm.yaml");
  /** argocd-cm's keys: resource.customizations.{health,actions}.<group>_<kind>. */
  public static final String HEALTH_KEY = "resource.customizations.health.flagramp.io_ScalingChange";
  public static final String ACTIONS_KEY = "resource.customizations.actions.flagramp.io_ScalingChange";

  private ArgoCdCustomizations() {}

  /** Each action's script, by name, in the order of their names. */
  public static Map<String, Path> actions() {
    try (Stream<Path> dirs = Files.list(DIR.resolve("actions"))) {
      Map<String, Path> actions = new LinkedHashMap<>();
      // testdata/ beside them holds the action tests' expected objects, not an action.
      dirs.filter(dir -> Files.isRegularFile(dir.resolve("action.lua"))).sorted()
          .forEach(dir -> actions.put(dir.getFileName().toString(), dir.resolve("action.lua")));
      return actions;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String read(Path script) {
    try {
      return Files.readString(script);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** argocd-cm.yaml as it must be: the scripts as block scalars under Argo CD's keys. */
  static String configMapPatch() {
    StringBuilder yaml = new StringBuilder()
        .append("# Argo CD health and actions for flagramp.io/ScalingChange. Merge into argocd-cm:\n")
        .append("#   kubectl -n argocd patch configmap argocd-cm --patch-file argocd-cm.yaml\n")
        .append("# or list it under `patches:` in the kustomization that installs Argo CD.\n")
        .append("# Generated from the .lua files beside it, which are the ones to edit; then run\n")
        .append("#   ./mvnw test -Dtest=ArgoCdCustomizationsTest -Dflagramp.updateArgoCd=true\n")
        .append("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: argocd-cm\ndata:\n")
        .append("  ").append(HEALTH_KEY).append(": |\n").append(indent(read(HEALTH), 4))
        .append("  ").append(ACTIONS_KEY).append(": |\n")
        .append("    discovery.lua: |\n").append(indent(read(DISCOVERY), 6))
        .append("    definitions:\n");
    actions().forEach((name, script) -> yaml.append("      - name: ").append(name).append('\n')
        .append("        action.lua: |\n").append(indent(read(script), 10)));
    return yaml.toString();
  }

  private static String indent(String text, int spaces) {
    if (!text.endsWith("\n") || text.endsWith("\n\n") || text.startsWith(" ")) {
      // A block scalar with the default (clip) chomping and indentation keeps exactly this shape.
      throw new IllegalArgumentException("a script must end in exactly one newline and not start with a space");
    }
    String pad = " ".repeat(spaces);
    StringBuilder out = new StringBuilder();
    text.lines().forEach(line -> out.append(line.isEmpty() ? "" : pad).append(line).append('\n'));
    return out.toString();
  }
}
