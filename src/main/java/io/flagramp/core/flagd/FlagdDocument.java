package io.flagramp.core.flagd;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Optional;

/**
 * A flagd definition document (the JSON of one ConfigMap data key) as text, and the one thing flagramp
 * does to it: put another definition in place of one flag's, {@code flags.<key>}, leaving every other
 * character of the document as it was. Other flags, {@code $evaluators}, metadata, key order and
 * whitespace all stay byte for byte; so putting a flag's original text back gives the
 * original document exactly, when nobody else changed it meanwhile.
 *
 * <p>A document that is not one JSON object with a {@code flags} object, or that repeats a key (flagd
 * and flagramp could read different values), is refused: {@link #parse} names the problem.
 */
public final class FlagdDocument {

  private static final JsonFactory STRICT = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  static final ObjectMapper JSON = JsonMapper.builder(STRICT)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();

  private final String text;
  private final ObjectNode root;

  private FlagdDocument(String text, ObjectNode root) {
    this.text = text;
    this.root = root;
  }

  /** A document read, or why it cannot be. */
  public sealed interface Parsed {
    record Ok(FlagdDocument document) implements Parsed {}

    record Invalid(String problem) implements Parsed {}
  }

  /** Reads {@code text}; {@code where} names it in a problem ("data key flags.json"). */
  public static Parsed parse(String text, String where) {
    if (text == null) {
      return new Parsed.Invalid(where + " is missing");
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String why = e.getOriginalMessage().replaceAll("\\[Source: [^;]*; line", "[line");
      var at = e.getLocation();
      return new Parsed.Invalid(where + " is not valid JSON: " + why
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    }
    if (root == null || root.isMissingNode()) {
      return new Parsed.Invalid(where + " is empty");
    }
    if (!root.isObject()) {
      return new Parsed.Invalid(where + " is not a JSON object");
    }
    JsonNode flags = root.get("flags");
    if (flags == null || !flags.isObject()) {
      return new Parsed.Invalid(where + " has no \"flags\" object");
    }
    return new Parsed.Ok(new FlagdDocument(text, (ObjectNode) root));
  }

  public String text() {
    return text;
  }

  /** The flag's definition as parsed, if the document has it. */
  public Optional<JsonNode> flag(String flagKey) {
    return Optional.ofNullable(root.get("flags").get(flagKey));
  }

  /** The flag's definition exactly as it is written in the document, if the document has it. */
  public Optional<String> flagText(String flagKey) {
    return span(flagKey).map(s -> text.substring(s.start, s.end));
  }

  /**
   * This document with {@code definition} (JSON text) as the flag's definition, every other character
   * kept. {@code definition} replaces the flag's text as it is; a flag the document lacks is added as the
   * last member of {@code flags}.
   */
  public String withFlag(String flagKey, String definition) {
    Optional<Span> span = span(flagKey);
    if (span.isPresent()) {
      return text.substring(0, span.get().start) + definition + text.substring(span.get().end);
    }
    Span flags = flagsObject();
    String member = JSON.valueToTree(flagKey).toString() + ": " + definition;
    boolean empty = root.get("flags").isEmpty();
    int close = flags.end - 1;  // the flags object's closing brace
    return text.substring(0, close) + (empty ? member : ", " + member) + text.substring(close);
  }

  /** This document without the flag (it had none before flagramp wrote one); formatting is not kept. */
  public String withoutFlag(String flagKey) {
    ObjectNode copy = root.deepCopy();
    ((ObjectNode) copy.get("flags")).remove(flagKey);
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(copy);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Where a value lies in {@link #text}: from {@code start} to before {@code end}. */
  private record Span(int start, int end) {}

  private Optional<Span> span(String flagKey) {
    return spanOf(flagKey);
  }

  private Span flagsObject() {
    return spanOf(null).orElseThrow();
  }

  /** The span of {@code flags.<flagKey>}, or of {@code flags} itself when {@code flagKey} is null. */
  private Optional<Span> spanOf(String flagKey) {
    try (JsonParser p = STRICT.createParser(text)) {
      p.nextToken();  // the root object
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        p.nextToken();
        if (!"flags".equals(name)) {
          p.skipChildren();
          continue;
        }
        if (flagKey == null) {
          return Optional.of(spanOfValue(p));
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String key = p.currentName();
          p.nextToken();
          if (key.equals(flagKey)) {
            return Optional.of(spanOfValue(p));
          }
          p.skipChildren();
        }
        return Optional.empty();
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalStateException("a document that parsed once did not parse again", e);
    }
  }

  /** The span of the value the parser is at (its first token), leaving the parser after it. */
  private static Span spanOfValue(JsonParser p) throws IOException {
    int start = (int) p.currentTokenLocation().getCharOffset();
    p.skipChildren();
    int end = (int) p.currentTokenLocation().getCharOffset() + 1;
    if (!p.currentToken().isStructEnd()) {
      p.getText();  // a scalar's token is read to its end only when asked for
      end = (int) p.currentLocation().getCharOffset();
    }
    return new Span(start, end);
  }
}
