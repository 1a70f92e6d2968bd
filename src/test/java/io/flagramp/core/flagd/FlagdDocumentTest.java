package io.flagramp.core.flagd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** One flag's text put in place of another's, every other character of the document kept. */
class FlagdDocumentTest {

  private static final String DOCUMENT = FlagdRampTest.DOCUMENT;

  private static FlagdDocument doc(String text) {
    return ((FlagdDocument.Parsed.Ok) FlagdDocument.parse(text, "data key flags.json")).document();
  }

  private static String problem(String text) {
    return ((FlagdDocument.Parsed.Invalid) FlagdDocument.parse(text, "data key flags.json")).problem();
  }

  @Test
  void aFlagsTextIsExactlyAsWrittenInTheDocument() {
    assertThat(doc(DOCUMENT).flagText("new-checkout")).hasValue("""
        {
              "state": "ENABLED",
              "variants": { "on": true,   "off": false },
              "defaultVariant": "off",
              "metadata": {"owner": "payments"}
            }""");
    assertThat(doc(DOCUMENT).flagText("absent")).isEmpty();
  }

  @Test
  void replacingOneFlagChangesNoOtherCharacterAndPuttingTheOriginalBackGivesTheDocumentByteForByte() {
    String original = doc(DOCUMENT).flagText("new-checkout").orElseThrow();
    String ramped = doc(DOCUMENT).withFlag("new-checkout",
        FlagdRamp.definitionAt(original, "new-checkout", "on", "off", 25));

    int start = DOCUMENT.indexOf(original);
    assertThat(ramped).startsWith(DOCUMENT.substring(0, start));
    assertThat(ramped).endsWith(DOCUMENT.substring(start + original.length()));
    assertThat(doc(ramped).withFlag("new-checkout", original)).isEqualTo(DOCUMENT);
  }

  @Test
  void aFlagTheDocumentLacksIsAddedAsTheLastFlagAndRemovedAgain() throws Exception {
    ObjectMapper json = new ObjectMapper();
    String added = doc(DOCUMENT).withFlag("extra", "{\"state\":\"ENABLED\"}");

    assertThat(json.readTree(added).at("/flags/extra")).isEqualTo(json.readTree("{\"state\":\"ENABLED\"}"));
    assertThat(json.readTree(doc(added).withoutFlag("extra"))).isEqualTo(json.readTree(DOCUMENT));
    assertThat(json.readTree(doc("{\"flags\": {}}").withFlag("x", "{}"))).isEqualTo(json.readTree("{\"flags\":{\"x\":{}}}"));
  }

  @Test
  void aKeyThatAppearsTwiceIsRefusedSinceFlagdAndFlagrampCouldReadDifferentDefinitions() {
    assertThat(problem("{\"flags\": {\"a\": {}, \"a\": {}}}")).contains("is not valid JSON").contains("Duplicate field 'a'");
  }

  @Test
  void whatIsNotOneObjectWithAFlagsObjectIsRefusedNamingTheKey() {
    assertThat(problem("{\"flags\": {")).startsWith("data key flags.json is not valid JSON");
    assertThat(problem("{\"flags\": {}} {}")).startsWith("data key flags.json is not valid JSON");
    assertThat(problem("[]")).isEqualTo("data key flags.json is not a JSON object");
    assertThat(problem("{\"flag\": {}}")).isEqualTo("data key flags.json has no \"flags\" object");
    assertThat(problem("")).isEqualTo("data key flags.json is empty");
    assertThat(problem(null)).isEqualTo("data key flags.json is missing");
  }

  @Test
  void aFlagKeyWithCharactersJsonEscapesIsFoundByItsDecodedName() {
    String text = "{\"flags\": {\"a\\\"b\": {\"state\": \"ENABLED\"}, \"c\": 1}}";

    assertThat(doc(text).flagText("a\"b")).hasValue("{\"state\": \"ENABLED\"}");
    assertThat(doc(text).withFlag("c", "2")).isEqualTo("{\"flags\": {\"a\\\"b\": {\"state\": \"ENABLED\"}, \"c\": 2}}");
  }
}
