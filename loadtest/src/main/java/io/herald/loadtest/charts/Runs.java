package io.herald.loadtest.charts;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The single runs of {@code docs/data/runs.csv}: one measured value per row, with the figure it is
 * ({@code key}, as in phoenix.csv) and the conditions it was taken under (an id of conditions.csv).
 */
final class Runs {

    /** One measured value. */
    record Run(String conditions, String key, int run, double value) {}

    private final List<Run> all;
    private final RunConditions conditions;

    private Runs(List<Run> all, RunConditions conditions) {
        this.all = all;
        this.conditions = conditions;
    }

    static Runs read(Path dataDir, RunConditions conditions) throws IOException {
        CsvTable table = CsvTable.read(dataDir.resolve("runs.csv"));
        List<Run> all = new ArrayList<>();
        for (int row = 0; row < table.size(); row++) {
            String id = table.text(row, "conditions");
            conditions.field(id, "id"); // an unknown id fails here, with the file and the id in the message
            all.add(new Run(id, table.text(row, "key"), (int) table.number(row, "run"), table.number(row, "value")));
        }
        return new Runs(all, conditions);
    }

    /** The runs of a figure, of one set of conditions or (null) of all, in file order. */
    List<Run> of(String key, String only) {
        List<Run> found = new ArrayList<>();
        for (Run run : all) {
            if (run.key().equals(key) && (only == null || run.conditions().equals(only))) {
                found.add(run);
            }
        }
        return found;
    }

    /** The conditions ids that have runs of {@code key}, in file order. */
    Set<String> conditionsOf(String key) {
        Set<String> ids = new LinkedHashSet<>();
        for (Run run : of(key, null)) {
            ids.add(run.conditions());
        }
        return ids;
    }

    /**
     * Herald's runs of a figure taken under the same harness and the same cold or warm state as the
     * {@code reference} conditions; empty when there is none. More than one set of such conditions is refused:
     * which one stands beside the reference is decided in the data, not here.
     */
    List<Run> likeFor(String key, String reference) {
        String harness = conditions.field(reference, "harness");
        String state = conditions.field(reference, "state");
        List<Run> like = new ArrayList<>();
        for (Run run : of(key, null)) {
            if (conditions.field(run.conditions(), "server").equals("Herald")
                    && conditions.field(run.conditions(), "harness").equals(harness)
                    && sameState(conditions.field(run.conditions(), "state"), state)) {
                like.add(run);
            }
        }
        long sets = like.stream().map(Run::conditions).distinct().count();
        if (sets > 1) {
            throw new IllegalArgumentException("runs.csv: " + key + " has Herald runs under " + sets
                    + " sets of conditions with harness " + harness + "; keep one");
        }
        return like;
    }

    /** Cold against cold, warm against warm: the word before the colon of the state column. */
    static boolean sameState(String a, String b) {
        return a.split(":")[0].trim().equals(b.split(":")[0].trim());
    }

    static double minimum(List<Run> runs) {
        return runs.stream().mapToDouble(Run::value).min().orElseThrow();
    }

    static double maximum(List<Run> runs) {
        return runs.stream().mapToDouble(Run::value).max().orElseThrow();
    }

    static double mean(List<Run> runs) {
        return runs.stream().mapToDouble(Run::value).average().orElseThrow();
    }

    static double median(List<Run> runs) {
        double[] values = runs.stream().mapToDouble(Run::value).sorted().toArray();
        int middle = values.length / 2;
        return values.length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}
