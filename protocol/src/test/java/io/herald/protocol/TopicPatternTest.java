package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicPatternTest {

  @Test
  void trailingStarMatchesEveryTopicWithThePrefix() {
    TopicPattern p = TopicPattern.parse("room:*");
    assertThat(p.wildcard()).isTrue();
    assertThat(p.prefix()).isEqualTo("room:");
    assertThat(p.matches("room:42")).isTrue();
    assertThat(p.matches("room:lobby:east")).isTrue();
    assertThat(p.matches("room:*")).isTrue();
  }

  @Test
  void trailingStarMatchesThePrefixAloneAsPhoenixDoes() {
    // Phoenix compiles "room:*" to the binary pattern "room:" <> _rest, and _rest may be empty
    assertThat(TopicPattern.parse("room:*").matches("room:")).isTrue();
  }

  @Test
  void trailingStarDoesNotMatchOtherTopics() {
    TopicPattern p = TopicPattern.parse("room:*");
    assertThat(p.matches("room")).isFalse();
    assertThat(p.matches("rooms:1")).isFalse();
    assertThat(p.matches("Room:1")).isFalse();
    assertThat(p.matches("")).isFalse();
    assertThat(p.matches(null)).isFalse();
  }

  @Test
  void loneStarMatchesEverything() {
    TopicPattern p = TopicPattern.parse("*");
    assertThat(p.prefix()).isEmpty();
    assertThat(p.matches("anything")).isTrue();
    assertThat(p.matches("")).isTrue();
  }

  @Test
  void patternWithoutStarMatchesExactly() {
    TopicPattern p = TopicPattern.parse("room:lobby");
    assertThat(p.wildcard()).isFalse();
    assertThat(p.prefix()).isEqualTo("room:lobby");
    assertThat(p.matches("room:lobby")).isTrue();
    assertThat(p.matches("room:lobby2")).isFalse();
    assertThat(p.matches("room:lobb")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"room:*:x", "*room", "ro*om:*", "**", "a*b"})
  void starAnywhereButTheEndIsRefused(String pattern) {
    assertThatThrownBy(() -> TopicPattern.parse(pattern))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(pattern)
        .hasMessageContaining("only at the end");
  }

  @Test
  void emptyOrNullPatternIsRefused() {
    assertThatThrownBy(() -> TopicPattern.parse("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TopicPattern.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void constructorValidatesLikeParse() {
    assertThatThrownBy(() -> new TopicPattern("a*b")).isInstanceOf(IllegalArgumentException.class);
    assertThat(new TopicPattern("room:*")).isEqualTo(TopicPattern.parse("room:*"));
    assertThat(TopicPattern.parse("room:*").pattern()).isEqualTo("room:*");
    assertThat(TopicPattern.parse("room:*")).hasToString("room:*");
  }
}
