package io.herald.loadtest.floor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class V2MessageTest {
  @Test
  void readsTheFourLeadingElementsRawAndThePayloadUnparsed() {
    V2Message m = V2Message.parse(" [ \"3\", \"7\" ,\"room:a\",\"shout\", {\"t\":1,\"b\":\"x]\\\"\"} ] ");
    assertThat(m).isNotNull();
    assertThat(m.rawJoinRef()).isEqualTo("\"3\"");
    assertThat(m.rawRef()).isEqualTo("\"7\"");
    assertThat(m.topic()).isEqualTo("room:a");
    assertThat(m.event()).isEqualTo("shout");
    assertThat(m.payload()).isEqualTo("{\"t\":1,\"b\":\"x]\\\"\"}");
  }

  @Test
  void refsMayBeNull() {
    V2Message m = V2Message.parse("[null,\"1\",\"phoenix\",\"heartbeat\",{}]");
    assertThat(m.rawJoinRef()).isEqualTo("null");
    assertThat(m.event()).isEqualTo("heartbeat");
  }

  @Test
  void dropsWhatIsNotTheShape() {
    assertThat(V2Message.parse("")).isNull();
    assertThat(V2Message.parse("{\"topic\":\"a\"}")).isNull();
    assertThat(V2Message.parse("[null,null,null,\"shout\",{}]")).as("null topic").isNull();
    assertThat(V2Message.parse("[null,null,\"a\",\"shout\"]")).as("no payload").isNull();
    assertThat(V2Message.parse("[null,null,\"a\",\"shout\",{}")).as("unclosed").isNull();
    assertThat(V2Message.parse("[null,null,\"a\\u0062\",\"shout\",{}]")).as("escaped topic").isNull();
    assertThat(V2Message.parse("[null,null,\"a,\"shout\",{}]")).isNull();
  }
}
