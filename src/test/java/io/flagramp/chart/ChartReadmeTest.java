package io.flagramp.chart;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The chart's README (helm/flagramp/README.md) against its values.yaml: the Values table names every
 * value and no value that is gone, and shows each named scalar default as values.yaml has it.
 *
 * <p>A row names values in its first cell, in backticks: {@code `a.b`}, and {@code `.c`} for a sibling
 * of the name before it ({@code a.c}). A value is a leaf of values.yaml (a scalar, a list, an empty map)
 * and is documented by a row that names it or a map above it ({@code `resources`}).
 */
class ChartReadmeTest {

  private static final Pattern NAME = Pattern.compile("`([^`]+)`");

  private static Map<String, JsonNode> leaves;
  private static Set<String> maps;
  private static Map<String, String> rows;

  @BeforeAll
  static void read() throws IOException {
    JsonNode values = new ObjectMapper(new YAMLFactory()).readTree(HelmChart.DIR.resolve("values.yaml").toFile());
    leaves = new LinkedHashMap<>();
    maps = new TreeSet<>();
    walk("", values);
    rows = table(Files.readString(HelmChart.DIR.resolve("README.md")));
  }

  @Test
  void everyValueOfValuesYamlIsInTheTable() {
    assertThat(leaves.keySet()).filteredOn(leaf -> !documented(leaf)).as("values the README does not name")
        .isEmpty();
    assertThat(leaves).containsKeys("extraEnv", "image.digest", "serviceMonitor.honorLabels", "crds.keep",
        "networkPolicy.webhooks.ports", "logLevel");
  }

  @Test
  void theTableNamesNoValueThatIsGone() {
    assertThat(rows.keySet()).filteredOn(name -> !leaves.containsKey(name) && !maps.contains(name))
        .as("names in the README that values.yaml does not have").isEmpty();
  }

  @Test
  void eachNamedDefaultIsShownAsValuesYamlHasIt() {
    List<String> wrong = new ArrayList<>();
    rows.forEach((name, defaults) -> {
      JsonNode value = leaves.get(name);
      if (value == null) {
        return;
      }
      List<JsonNode> scalars = new ArrayList<>();
      if (value.isArray()) {
        value.forEach(scalars::add);
      } else {
        scalars.add(value);
      }
      for (JsonNode scalar : scalars) {
        if (scalar.isValueNode() && !scalar.isNull() && !scalar.asText().isEmpty()
            && !defaults.contains(scalar.asText())) {
          wrong.add(name + ": values.yaml has " + scalar.asText() + ", the README's default cell says " + defaults);
        }
      }
    });
    assertThat(wrong).isEmpty();
  }

  private static boolean documented(String leaf) {
    for (String name = leaf; !name.isEmpty(); name = parent(name)) {
      if (rows.containsKey(name)) {
        return true;
      }
    }
    return false;
  }

  private static void walk(String path, JsonNode node) {
    if (node.isObject() && !node.isEmpty()) {
      if (!path.isEmpty()) {
        maps.add(path);
      }
      node.fields().forEachRemaining(e -> walk(path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue()));
    } else {
      leaves.put(path, node);
    }
  }

  /** Each name of the Values table, with the default cell of its row. */
  private static Map<String, String> table(String readme) {
    int start = readme.indexOf("| value | default | meaning |");
    assertThat(start).as("the Values table").isNotNegative();
    Map<String, String> names = new LinkedHashMap<>();
    for (String line : readme.substring(start).lines().skip(2).takeWhile(l -> l.startsWith("|")).toList()) {
      String[] cells = line.split("\\|");
      String previous = "";
      Matcher m = NAME.matcher(cells[1]);
      while (m.find()) {
        String name = m.group(1).startsWith(".") ? parent(previous) + m.group(1) : m.group(1);
        names.put(name, cells[2]);
        previous = name;
      }
    }
    return names;
  }

  private static String parent(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(0, dot);
  }
}
