package io.flagramp.core.flagd;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How a flagd flag is ramped: its definition at a step's weight, computed from the definition it had
 * before the first step (never from the last step's), so every step and the way back are functions of
 * the original and the weight alone.
 *
 * <p>flagd's {@code fractional} hashes the flag key and the targeting key (murmur3, 32 bits) to a point
 * of [0, total weight) and gives the first variant whose running weight passes that point. With two
 * variants, the total fixed at 100, their order fixed and the bucketing expression unchanged, raising the
 * "on" weight only moves the boundary into the "off" range: every user who had "on" keeps it. So a step
 * writes {@code [on, w], [off, 100 - w]} in the order the original split had ({@code on} first when
 * flagramp creates the split), and keeps the original's bucketing expression when it had one.
 *
 * <p>What can be ramped without changing what the flag means for anyone the ramp is not about:
 * <ul>
 *   <li>no targeting (or an empty one) and {@code defaultVariant} the off variant: everyone has "off",
 *       and the split is created (the on variant: everyone has "on", and a first step lowers it, which
 *       waits for a person's approval as for percentage keys, {@link io.flagramp.core.Lowering});
 *   <li>a targeting that is, or whose chain of {@code if} ends in (the last else), a {@code fractional}
 *       split over exactly the on and off variants: the users the earlier branches pick keep their
 *       variant, and only the split's weights change.
 * </ul>
 * Weight 100 is exact, not a split: the split is replaced by the on variant itself (for a split that is
 * the whole targeting: no targeting, and {@code defaultVariant} on), so no evaluator's rounding at the
 * top of the hash range can leave a user out.
 */
public final class FlagdRamp {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private FlagdRamp() {}

  /** Where the ramp acts in a flag's targeting. */
  private record Point(List<Integer> path, boolean created, JsonNode bucketBy, boolean onFirst) {}

  /** Why {@code definition} cannot be ramped between {@code on} and {@code off}; empty when it can. */
  public static Optional<String> problem(JsonNode definition, String flagKey, String on, String off) {
    return analyse(definition, flagKey, on, off).right();
  }

  /**
   * The flag's definition (compact JSON) at {@code weight} (1..100), from its {@code original} definition
   * text, which {@link #problem} accepted.
   */
  public static String definitionAt(String original, String flagKey, String on, String off, int weight) {
    if (weight < 1 || weight > 100) {
      throw new IllegalArgumentException("a step's weight is 1..100, not " + weight);
    }
    ObjectNode flag;
    try {
      flag = (ObjectNode) FlagdDocument.JSON.readTree(original);
    } catch (JsonProcessingException | ClassCastException e) {
      throw new IllegalArgumentException("the original definition of flag " + flagKey + " is not a JSON object", e);
    }
    Either result = analyse(flag, flagKey, on, off);
    if (result.point == null) {
      throw new IllegalArgumentException(result.problem);
    }
    Point point = result.point;
    if (weight == 100) {
      if (point.path.isEmpty()) {
        flag.remove("targeting");
        flag.put("defaultVariant", on);
      } else {
        replace(flag, point.path, TextNode.valueOf(on));
      }
    } else {
      ArrayNode args = NODES.arrayNode();
      if (point.bucketBy != null) {
        args.add(point.bucketBy);
      }
      ArrayNode onShare = NODES.arrayNode().add(on).add(weight);
      ArrayNode offShare = NODES.arrayNode().add(off).add(100 - weight);
      if (point.onFirst) {
        args.add(onShare).add(offShare);
      } else {
        args.add(offShare).add(onShare);
      }
      ObjectNode split = NODES.objectNode().set("fractional", args);
      if (point.path.isEmpty()) {
        flag.set("targeting", split);
      } else {
        replace(flag, point.path, split);
      }
    }
    return flag.toString();
  }

  /**
   * The share of users the definition gives {@code on}, where it says: 100 or 0 without targeting (by its
   * defaultVariant), the on weight's share of a split that is the whole targeting; empty otherwise (a split
   * behind conditions, a definition that cannot be ramped).
   */
  public static java.util.OptionalInt exposure(String definition, String on, String off) {
    JsonNode flag;
    try {
      flag = FlagdDocument.JSON.readTree(definition);
    } catch (JsonProcessingException e) {
      return java.util.OptionalInt.empty();
    }
    if (flag == null || !flag.isObject()) {
      return java.util.OptionalInt.empty();
    }
    JsonNode targeting = flag.get("targeting");
    String defaultVariant = flag.path("defaultVariant").asText(null);
    if (targeting == null || targeting.isNull() || (targeting.isObject() && targeting.isEmpty())) {
      return on.equals(defaultVariant) ? java.util.OptionalInt.of(100)
          : off.equals(defaultVariant) ? java.util.OptionalInt.of(0) : java.util.OptionalInt.empty();
    }
    Either result = analyse(flag, "", on, off);
    if (result.point == null || !result.point.path.isEmpty()) {
      return java.util.OptionalInt.empty();
    }
    long onWeight = 0;
    long total = 0;
    for (JsonNode share : targeting.get("fractional")) {
      if (share.isArray()) {
        long w = share.size() > 1 ? Math.max(0, share.get(1).asLong()) : 1;
        total += w;
        if (on.equals(share.get(0).asText())) {
          onWeight = w;
        }
      }
    }
    return total == 0 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of((int) (100 * onWeight / total));
  }

  /** Replaces the node at {@code path} (indices of if-arguments, from the targeting down). */
  private static void replace(ObjectNode flag, List<Integer> path, JsonNode with) {
    JsonNode node = flag.get("targeting");
    for (int i = 0; i < path.size() - 1; i++) {
      node = node.get("if").get(path.get(i));
    }
    ((ArrayNode) node.get("if")).set(path.get(path.size() - 1), with);
  }

  /** A point to ramp at, or the problem. */
  private record Either(Point point, String problem) {
    Optional<String> right() {
      return Optional.ofNullable(problem);
    }

    static Either no(String problem) {
      return new Either(null, problem);
    }
  }

  private static Either analyse(JsonNode flag, String flagKey, String on, String off) {
    String f = "flag " + quote(flagKey);
    if (flag == null || !flag.isObject()) {
      return Either.no(f + " is not a JSON object");
    }
    JsonNode state = flag.get("state");
    if (state != null && !"ENABLED".equals(state.asText(null))) {
      return Either.no(f + " has state " + state + ": flagd evaluates only an ENABLED flag's targeting");
    }
    JsonNode variants = flag.get("variants");
    if (variants == null || !variants.isObject()) {
      return Either.no(f + " has no \"variants\" object");
    }
    for (String v : List.of(on, off)) {
      if (!variants.has(v)) {
        return Either.no(f + " has no variant " + quote(v) + " (it has " + names(variants) + ")");
      }
    }
    if (on.equals(off)) {
      return Either.no("the on and off variants are both " + quote(on));
    }
    JsonNode defaultVariant = flag.get("defaultVariant");
    if (defaultVariant != null && !defaultVariant.isNull()
        && (!defaultVariant.isTextual() || !variants.has(defaultVariant.asText()))) {
      return Either.no(f + " has defaultVariant " + defaultVariant + ", which is not one of its variants");
    }
    JsonNode targeting = flag.get("targeting");
    if (targeting == null || targeting.isNull() || (targeting.isObject() && targeting.isEmpty())) {
      String everyone = defaultVariant == null ? null : defaultVariant.asText(null);
      if (!off.equals(everyone) && !on.equals(everyone)) {
        return Either.no(f + " has no targeting and defaultVariant " + (defaultVariant == null ? "unset"
            : defaultVariant.toString()) + ", neither " + quote(on) + " nor " + quote(off) + ": a split of the two"
            + " would change what everyone gets now");
      }
      return new Either(new Point(List.of(), true, null, true), null);
    }
    List<Integer> path = new ArrayList<>();
    JsonNode node = targeting;
    while (node.isObject() && node.size() == 1 && node.has("if")) {
      JsonNode args = node.get("if");
      if (!args.isArray() || args.size() < 3 || args.size() % 2 == 0) {
        return Either.no(f + "'s targeting has an \"if\" without a final else: it must end in a fractional split"
            + " over " + quote(on) + " and " + quote(off));
      }
      path.add(args.size() - 1);
      node = args.get(args.size() - 1);
    }
    String where = path.isEmpty() ? "targeting" : "targeting's last else";
    if (!node.isObject() || node.size() != 1 || !node.has("fractional")) {
      return Either.no(f + "'s " + where + " is " + abbreviate(node) + ", not a fractional split over " + quote(on)
          + " and " + quote(off) + ": flagramp ramps only a split it can change without changing other rules");
    }
    JsonNode args = node.get("fractional");
    if (!args.isArray() || args.isEmpty()) {
      return Either.no(f + "'s fractional split has no arguments");
    }
    JsonNode bucketBy = null;
    int first = 0;
    if (!args.get(0).isArray()) {
      bucketBy = args.get(0);
      first = 1;
    }
    List<String> order = new ArrayList<>();
    for (int i = first; i < args.size(); i++) {
      JsonNode share = args.get(i);
      if (!share.isArray() || share.isEmpty() || !share.get(0).isTextual()
          || (share.size() > 1 && !share.get(1).isIntegralNumber()) || share.size() > 2) {
        return Either.no(f + "'s fractional split has " + abbreviate(share) + ", not [variant, whole-number weight]");
      }
      order.add(share.get(0).asText());
    }
    if (order.size() != 2 || !order.contains(on) || !order.contains(off)) {
      return Either.no(f + "'s fractional split is over " + order + ", not exactly " + quote(on) + " and "
          + quote(off));
    }
    return new Either(new Point(List.copyOf(path), false, bucketBy == null ? null : bucketBy.deepCopy(),
        order.get(0).equals(on)), null);
  }

  private static String names(JsonNode variants) {
    List<String> names = new ArrayList<>();
    variants.fieldNames().forEachRemaining(n -> names.add(quote(n)));
    return names.isEmpty() ? "none" : String.join(", ", names);
  }

  private static String abbreviate(JsonNode node) {
    String s = node.toString();
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  public static String quote(String s) {
    return TextNode.valueOf(s).toString();
  }
}
