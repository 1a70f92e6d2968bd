package io.flagramp.it;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * One scrape of a {@code /metrics} page in the Prometheus text format, as the kube-apiserver,
 * Prometheus and the operator serve it, so a benchmark can count from the servers' own counters.
 */
final class MetricsText {

  record Sample(String name, Map<String, String> labels, double value) {}

  private final List<Sample> samples;

  private MetricsText(List<Sample> samples) {
    this.samples = samples;
  }

  /** Only the series of these names (the kube-apiserver's page runs to megabytes). */
  static MetricsText parse(String text, String... names) {
    List<Sample> samples = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#") && Arrays.stream(names).anyMatch(n -> named(line, n))) {
        samples.add(sample(line.strip()));
      }
    }
    return new MetricsText(samples);
  }

  /** The line is a sample of {@code name} itself, or of its {@code _sum}, {@code _count} or {@code _bucket}. */
  private static boolean named(String line, String name) {
    if (!line.startsWith(name)) {
      return false;
    }
    String rest = line.substring(name.length());
    for (String suffix : List.of("", "_sum", "_count", "_bucket", "_total")) {
      if (rest.startsWith(suffix) && rest.length() > suffix.length()
          && (rest.charAt(suffix.length()) == '{' || rest.charAt(suffix.length()) == ' ')) {
        return true;
      }
    }
    return false;
  }

  /** The sum of the series named {@code name} whose labels match. */
  double sum(String name, Predicate<Map<String, String>> labels) {
    return samples.stream().filter(s -> s.name().equals(name) && labels.test(s.labels()))
        .mapToDouble(Sample::value).sum();
  }

  double sum(String name) {
    return sum(name, labels -> true);
  }

  /** The series named {@code name}, summed by a key made of their labels. */
  Map<String, Double> sumBy(String name, Function<Map<String, String>, String> key) {
    Map<String, Double> sums = new TreeMap<>();
    samples.stream().filter(s -> s.name().equals(name))
        .forEach(s -> sums.merge(key.apply(s.labels()), s.value(), Double::sum));
    return sums;
  }

  /** {@code name{a="x",b="y\"z"} 1.5 [timestamp]} */
  private static Sample sample(String line) {
    int brace = line.indexOf('{');
    int space = line.indexOf(' ');
    if (brace < 0 || (space >= 0 && space < brace)) {
      String[] parts = line.split(" ");
      return new Sample(parts[0], Map.of(), number(parts[1]));
    }
    Map<String, String> labels = new LinkedHashMap<>();
    int i = brace + 1;
    while (line.charAt(i) != '}') {
      int equals = line.indexOf('=', i);
      String label = line.substring(i, equals).strip();
      StringBuilder value = new StringBuilder();
      int j = equals + 2;  // past ="
      for (; line.charAt(j) != '"'; j++) {
        char c = line.charAt(j);
        if (c == '\\') {
          char escaped = line.charAt(++j);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
      }
      labels.put(label, value.toString());
      i = j + 1;
      if (line.charAt(i) == ',') {
        i++;
      }
    }
    String rest = line.substring(i + 1).strip();
    int end = rest.indexOf(' ');
    return new Sample(line.substring(0, brace), labels, number(end < 0 ? rest : rest.substring(0, end)));
  }

  private static double number(String text) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      default -> Double.parseDouble(text);
    };
  }
}
