package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The recovery fields of a join: read from the params, added to the ok reply. */
class JoinRecoveryTest {

  private static JoinRecovery.Request parse(String json) {
    return JoinRecovery.parse(Payload.json(json));
  }

  @Test
  void sinceAndEpochAreReadAsNumbersOrDecimalStrings() {
    assertThat(parse("{\"since\": 57, \"epoch\": \"7064431190357826147\"}"))
        .isEqualTo(new JoinRecovery.Resume(57, 7064431190357826147L));
    assertThat(parse("{\"user_id\": \"ada\", \"since\": \"0\", \"epoch\": 12, \"meta\": {\"since\": \"x\"}}"))
        .isEqualTo(new JoinRecovery.Resume(0, 12));
  }

  @Test
  void aJoinWithoutThemIsPlain() {
    assertThat(parse("{}")).isInstanceOf(JoinRecovery.Plain.class);
    assertThat(parse("{\"user_id\": \"ada\"}")).isInstanceOf(JoinRecovery.Plain.class);
    assertThat(parse("[1, 2]")).isInstanceOf(JoinRecovery.Plain.class);
    assertThat(parse("{\"meta\": {\"since\": 3, \"epoch\": \"4\"}}")).isInstanceOf(JoinRecovery.Plain.class);
    assertThat(JoinRecovery.parse(Payload.binary(new byte[] {1, 2}))).isInstanceOf(JoinRecovery.Plain.class);
  }

  @Test
  void badValuesAreInvalidNeverAnException() {
    for (String params : new String[] {
        "{\"since\": -1, \"epoch\": \"5\"}",
        "{\"since\": \"abc\", \"epoch\": \"5\"}",
        "{\"since\": 1.5, \"epoch\": \"5\"}",
        "{\"since\": 99999999999999999999999, \"epoch\": \"5\"}",
        "{\"since\": \"99999999999999999999\", \"epoch\": \"5\"}",
        "{\"since\": null, \"epoch\": \"5\"}",
        "{\"since\": {}, \"epoch\": \"5\"}",
        "{\"since\": 3}",
        "{\"epoch\": \"5\"}",
        "{\"since\": 3, \"epoch\": \"-5\"}",
        "{\"since\": 3, \"epoch\": 0}",
        "{\"since\": 3, \"epoch\": \"\"}",
    }) {
      assertThat(parse(params)).as(params).isInstanceOf(JoinRecovery.Invalid.class);
    }
  }

  @Test
  void theReplyGetsTheFieldsBeforeTheHandlersOwn() {
    assertThat(text(JoinRecovery.reply(Payload.json("{}"), 9, 57, true, "")))
        .isEqualTo("{\"epoch\":\"9\",\"seq\":57,\"recovered\":true}");
    assertThat(text(JoinRecovery.reply(Payload.json(" { \"a\" : 1 } "), 9, 3, false, "history_trimmed")))
        .isEqualTo("{\"epoch\":\"9\",\"seq\":3,\"recovered\":false,\"reason\":\"history_trimmed\", \"a\" : 1 }");
    assertThat(text(JoinRecovery.reply(Payload.json("{ }"), 1, 0, false, null))).isEqualTo("{\"epoch\":\"1\",\"seq\":0,\"recovered\":false}");
    // not an object: as the handler made it
    assertThat(text(JoinRecovery.reply(Payload.json("[1]"), 1, 0, false, null))).isEqualTo("[1]");
    Payload binary = Payload.binary(new byte[] {1});
    assertThat(JoinRecovery.reply(binary, 1, 0, false, null)).isSameAs(binary);
  }

  private static String text(Payload p) {
    return ((Payload.Json) p).text();
  }
}
