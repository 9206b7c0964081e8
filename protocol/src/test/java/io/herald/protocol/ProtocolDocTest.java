package io.herald.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** docs/protocol.md's tables of error replies and close codes list exactly what the code sends. */
class ProtocolDocTest {
  private static final Path DOC = Path.of("..", "docs", "protocol.md");
  private static final Pattern FIRST_CELL_CODE = Pattern.compile("^\\|\\s*`([^`]+)`\\s*\\|");
  private static final Pattern CLOSE_ROW = Pattern.compile("^\\|\\s*(\\d{4})\\s*\\|\\s*`([^`]+)`\\s*\\|");
  private static final String DETAIL = ": <why>";

  @Test
  void errorRepliesTableListsEveryReplyReason() throws IOException {
    Set<String> documented = new TreeSet<>();
    for (String row : section("### Error replies")) {
      Matcher m = FIRST_CELL_CODE.matcher(row);
      if (m.find()) {
        documented.add(m.group(1).replace(DETAIL, ""));
      }
    }
    Set<String> sent = Arrays.stream(ReplyReason.values()).map(ReplyReason::text).collect(Collectors.toCollection(TreeSet::new));
    assertThat(documented).isEqualTo(sent);
  }

  @Test
  void closeCodesTableListsEveryCloseReason() throws IOException {
    Set<String> documented = new TreeSet<>();
    for (String row : section("### Close codes")) {
      Matcher m = CLOSE_ROW.matcher(row);
      if (m.find()) {
        documented.add(m.group(1) + " " + m.group(2).replace(DETAIL, ""));
      }
    }
    Set<String> sent =
        Arrays.stream(CloseReason.values()).map(r -> r.code() + " " + r.text()).collect(Collectors.toCollection(TreeSet::new));
    assertThat(documented).isEqualTo(sent);
  }

  /** The table rows under {@code heading}, up to the next heading. */
  private static List<String> section(String heading) throws IOException {
    List<String> rows = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(DOC)) {
      if (line.startsWith("#")) {
        in = line.startsWith(heading);
      } else if (in && line.startsWith("|")) {
        rows.add(line);
      }
    }
    assertThat(rows).as("rows under " + heading + " in " + DOC).isNotEmpty();
    return rows;
  }
}
