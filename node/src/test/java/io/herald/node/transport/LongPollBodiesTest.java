package io.herald.node.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

final class LongPollBodiesTest {
  @Test
  void ndjsonLinesSplitOnLfAndCrLfAndEmptyLinesAreSkipped() {
    assertThat(LongPollBodies.splitLines("[1]\n[2]\r\n\n[3]\n", 100)).containsExactly("[1]", "[2]", "[3]");
    assertThat(LongPollBodies.splitLines("", 100)).isEmpty();
    assertThat(LongPollBodies.splitLines("[1]\n[2]", 2)).hasSize(2);
    assertThat(LongPollBodies.splitLines("[1]\n[2]\n[3]", 2)).isNull();
  }

  @Test
  void textLinesAreTextAndOthersBase64() {
    List<LongPollSession.Line> lines = LongPollBodies.lines(List.of("[1]", "{\"a\":1}", "AAEC", "not base64!"));
    assertThat(lines).extracting(LongPollSession.Line::binary).containsExactly(false, false, true, true);
    assertThat(lines.get(2).bytes()).containsExactly(0, 1, 2);
    assertThat(lines.get(3).bytes()).isEmpty();
  }

  @Test
  void aPollAnswerCarriesEachFrameAsAJsonString() throws Exception {
    String frame = "[null,null,\"room:1\",\"shout\",{\"s\":\"h\u00e9 \\\"q\\\" \\\\ \\n \u2603\"}]";
    byte[] body = LongPollBodies.poll(200, "tok.en", List.of(frame.getBytes(StandardCharsets.UTF_8), "[2]".getBytes(StandardCharsets.UTF_8)));
    JsonNode json = new ObjectMapper().readTree(body);
    assertThat(json.get("status").asInt()).isEqualTo(200);
    assertThat(json.get("token").asText()).isEqualTo("tok.en");
    assertThat(json.get("messages").get(0).asText()).isEqualTo(frame);
    assertThat(json.get("messages").get(1).asText()).isEqualTo("[2]");
    assertThat(new ObjectMapper().readTree(LongPollBodies.refusal(403, "bad \"x\"\u0001")).get("reason").asText()).isEqualTo("bad \"x\"\u0001");
  }
}
