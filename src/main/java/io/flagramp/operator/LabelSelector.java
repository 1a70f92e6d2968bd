package io.flagramp.operator;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector in its string form, the one {@code kubectl -l} and the API server's
 * {@code labelSelector} parameter take: requirements joined by commas, each {@code key}, {@code !key},
 * {@code key=value} ({@code ==}), {@code key!=value}, {@code key in (v1,v2)}, {@code key notin (v1,v2)},
 * {@code key>n} or {@code key<n}. Parsed here with the grammar and the key and value rules of
 * apimachinery's {@code labels.Parse}, so a bad selector fails the start with a message instead of the
 * informer failing against the API server; and matched here with the same meaning, so the operator can
 * tell whether an object it reads afresh is still one the informer would give it.
 */
public final class LabelSelector {

  /** What a requirement asks of one key. */
  public enum Operator {
    EXISTS, DOES_NOT_EXIST, EQUALS, NOT_EQUALS, IN, NOT_IN, GREATER_THAN, LESS_THAN
  }

  /** One requirement; {@code values} sorted, as the API server prints them. */
  public record Requirement(String key, Operator operator, Set<String> values) {

    boolean matches(Map<String, String> labels) {
      String value = labels.get(key);
      return switch (operator) {
        case EXISTS -> labels.containsKey(key);
        case DOES_NOT_EXIST -> !labels.containsKey(key);
        case EQUALS, IN -> value != null && values.contains(value);
        // As in apimachinery: a missing key satisfies != and notin.
        case NOT_EQUALS, NOT_IN -> value == null || !values.contains(value);
        case GREATER_THAN, LESS_THAN -> value != null && compares(value);
      };
    }

    private boolean compares(String value) {
      long bound = Long.parseLong(values.iterator().next());
      try {
        long n = Long.parseLong(value);
        return operator == Operator.GREATER_THAN ? n > bound : n < bound;
      } catch (NumberFormatException e) {
        return false;
      }
    }

    @Override
    public String toString() {
      String value = values.isEmpty() ? "" : values.iterator().next();
      return switch (operator) {
        case EXISTS -> key;
        case DOES_NOT_EXIST -> "!" + key;
        case EQUALS -> key + "=" + value;
        case NOT_EQUALS -> key + "!=" + value;
        case IN -> key + " in (" + String.join(",", values) + ")";
        case NOT_IN -> key + " notin (" + String.join(",", values) + ")";
        case GREATER_THAN -> key + ">" + value;
        case LESS_THAN -> key + "<" + value;
      };
    }
  }

  private static final String DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
  private static final Pattern DNS_SUBDOMAIN = Pattern.compile(DNS_LABEL + "(\\." + DNS_LABEL + ")*");
  private static final Pattern NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");
  private static final int MAX_NAME = 63;
  private static final int MAX_PREFIX = 253;

  private final List<Requirement> requirements;

  private LabelSelector(List<Requirement> requirements) {
    this.requirements = List.copyOf(requirements);
  }

  /**
   * Parses a selector; an empty or blank one selects everything.
   *
   * @throws IllegalArgumentException saying what is wrong and where
   */
  public static LabelSelector parse(String selector) {
    return new LabelSelector(new Parser(selector).requirements());
  }

  /** A requirement that the label {@code key} has one of {@code values}. */
  public static LabelSelector in(String key, Set<String> values) {
    return parse(key + " in (" + String.join(",", values) + ")");
  }

  /** A requirement that the label {@code key} is absent or has none of {@code values}. */
  public static LabelSelector notIn(String key, Set<String> values) {
    return parse(key + " notin (" + String.join(",", values) + ")");
  }

  public List<Requirement> requirements() {
    return requirements;
  }

  public boolean selectsEverything() {
    return requirements.isEmpty();
  }

  /** Whether an object with these labels (null: none) is selected. */
  public boolean matches(Map<String, String> labels) {
    Map<String, String> actual = labels == null ? Map.of() : labels;
    return requirements.stream().allMatch(r -> r.matches(actual));
  }

  /** The selector as the API server takes it, each requirement in the order given. */
  @Override
  public String toString() {
    return String.join(",", requirements.stream().map(Requirement::toString).toList());
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof LabelSelector s && s.requirements.equals(requirements);
  }

  @Override
  public int hashCode() {
    return requirements.hashCode();
  }

  /** A label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
  static void checkKey(String key) {
    int slash = key.indexOf('/');
    String name = slash < 0 ? key : key.substring(slash + 1);
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      if (prefix.isEmpty() || prefix.length() > MAX_PREFIX || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        throw new IllegalArgumentException("\"" + key + "\" is not a label key: its prefix must be a lower-case DNS"
            + " subdomain of at most " + MAX_PREFIX + " characters");
      }
    }
    if (name.length() > MAX_NAME || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("\"" + key + "\" is not a label key: its name must be 1 to " + MAX_NAME
          + " letters, digits, '-', '_' or '.', beginning and ending with a letter or digit");
    }
  }

  /** A label value: empty, or as a key's name. */
  static void checkValue(String value) {
    if (!value.isEmpty() && (value.length() > MAX_NAME || !NAME.matcher(value).matches())) {
      throw new IllegalArgumentException("\"" + value + "\" is not a label value: at most " + MAX_NAME
          + " letters, digits, '-', '_' or '.', beginning and ending with a letter or digit");
    }
  }

  /** A recursive-descent parser over apimachinery's tokens. */
  private static final class Parser {

    private enum Kind { IDENTIFIER, NOT, EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GREATER, LESS, COMMA, OPEN, CLOSE, END }

    private record Token(Kind kind, String text, int at) {}

    private final String input;
    private final List<Token> tokens = new ArrayList<>();
    private int next;

    Parser(String input) {
      this.input = input == null ? "" : input;
      lex();
    }

    List<Requirement> requirements() {
      List<Requirement> found = new ArrayList<>();
      if (peek().kind() == Kind.END) {
        return found;
      }
      while (true) {
        found.add(requirement());
        Token t = take();
        if (t.kind() == Kind.END) {
          return found;
        }
        if (t.kind() != Kind.COMMA) {
          throw error(t, "expected ',' or the end after a requirement");
        }
      }
    }

    private Requirement requirement() {
      boolean negated = peek().kind() == Kind.NOT;
      if (negated) {
        take();
      }
      Token keyToken = take();
      if (keyToken.kind() != Kind.IDENTIFIER) {
        throw error(keyToken, "expected a label key");
      }
      String key = keyToken.text();
      checked(() -> checkKey(key));
      Token op = peek();
      if (negated) {
        if (op.kind() != Kind.COMMA && op.kind() != Kind.END) {
          throw error(op, "'!" + key + "' takes no operator");
        }
        return new Requirement(key, Operator.DOES_NOT_EXIST, Set.of());
      }
      switch (op.kind()) {
        case COMMA, END:
          return new Requirement(key, Operator.EXISTS, Set.of());
        case EQUALS, DOUBLE_EQUALS, NOT_EQUALS:
          take();
          return new Requirement(key, op.kind() == Kind.NOT_EQUALS ? Operator.NOT_EQUALS : Operator.EQUALS,
              Set.of(value()));
        case GREATER, LESS:
          take();
          Token bound = take();
          if (bound.kind() != Kind.IDENTIFIER || !bound.text().matches("-?[0-9]{1,18}")) {
            throw error(bound, "'" + op.text() + "' needs a whole number");
          }
          return new Requirement(key, op.kind() == Kind.GREATER ? Operator.GREATER_THAN : Operator.LESS_THAN,
              Set.of(bound.text()));
        case IDENTIFIER:
          if (op.text().equals("in") || op.text().equals("notin")) {
            take();
            return new Requirement(key, op.text().equals("in") ? Operator.IN : Operator.NOT_IN, valueSet(op.text()));
          }
          throw error(op, "expected an operator (=, ==, !=, in, notin, >, <), a ',' or the end after '" + key + "'");
        default:
          throw error(op, "expected an operator (=, ==, !=, in, notin, >, <), a ',' or the end after '" + key + "'");
      }
    }

    /** A value after = or !=; it may be empty ({@code key=}). */
    private String value() {
      Token t = peek();
      if (t.kind() == Kind.COMMA || t.kind() == Kind.END) {
        return "";
      }
      take();
      if (t.kind() != Kind.IDENTIFIER) {
        throw error(t, "expected a label value");
      }
      checked(() -> checkValue(t.text()));
      return t.text();
    }

    private Set<String> valueSet(String operator) {
      Token open = take();
      if (open.kind() != Kind.OPEN) {
        throw error(open, "'" + operator + "' needs a set of values in parentheses");
      }
      Set<String> values = new TreeSet<>();
      while (true) {
        Token t = take();
        if (t.kind() == Kind.CLOSE && values.isEmpty()) {
          throw error(t, "'" + operator + "' needs at least one value");
        }
        if (t.kind() != Kind.IDENTIFIER) {
          throw error(t, "expected a label value in the set");
        }
        checked(() -> checkValue(t.text()));
        values.add(t.text());
        Token after = take();
        if (after.kind() == Kind.CLOSE) {
          return values;
        }
        if (after.kind() != Kind.COMMA) {
          throw error(after, "expected ',' or ')' in the set");
        }
      }
    }

    /** A key or value refused, said of the whole selector. */
    private void checked(Runnable check) {
      try {
        check.run();
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("\"" + input + "\" is not a label selector: " + e.getMessage(), e);
      }
    }

    private Token peek() {
      return tokens.get(next);
    }

    private Token take() {
      Token t = tokens.get(next);
      if (t.kind() != Kind.END) {
        next++;
      }
      return t;
    }

    private IllegalArgumentException error(Token at, String what) {
      String found = at.kind() == Kind.END ? "the end" : "'" + at.text() + "'";
      return new IllegalArgumentException("\"" + input + "\" is not a label selector: " + what + ", found " + found
          + " at " + (at.at() + 1));
    }

    private void lex() {
      int i = 0;
      while (i < input.length()) {
        char c = input.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == '!' && i + 1 < input.length() && input.charAt(i + 1) == '=') {
          tokens.add(new Token(Kind.NOT_EQUALS, "!=", i));
          i += 2;
        } else if (c == '=' && i + 1 < input.length() && input.charAt(i + 1) == '=') {
          tokens.add(new Token(Kind.DOUBLE_EQUALS, "==", i));
          i += 2;
        } else if ("!=><,()".indexOf(c) >= 0) {
          Kind kind = switch (c) {
            case '!' -> Kind.NOT;
            case '=' -> Kind.EQUALS;
            case '>' -> Kind.GREATER;
            case '<' -> Kind.LESS;
            case ',' -> Kind.COMMA;
            case '(' -> Kind.OPEN;
            default -> Kind.CLOSE;
          };
          tokens.add(new Token(kind, String.valueOf(c), i));
          i++;
        } else {
          int start = i;
          while (i < input.length() && !Character.isWhitespace(input.charAt(i))
              && "!=><,()".indexOf(input.charAt(i)) < 0) {
            i++;
          }
          tokens.add(new Token(Kind.IDENTIFIER, input.substring(start, i), start));
        }
      }
      tokens.add(new Token(Kind.END, "", input.length()));
    }
  }
}
