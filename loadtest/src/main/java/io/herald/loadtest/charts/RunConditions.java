package io.herald.loadtest.charts;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The conditions a benchmark figure was taken under ({@code docs/data/conditions.csv}): server, harness,
 * cold or warm, JVM options, start-up warm-up, build and date. Every data row names one by its id, and every
 * chart and generated table says which, so no figure stands without them.
 */
final class RunConditions {

    private final CsvTable table;

    private RunConditions(CsvTable table) {
        this.table = table;
    }

    static RunConditions read(Path file) throws IOException {
        return new RunConditions(CsvTable.read(file));
    }

    /** A short name for legends and panel captions, e.g. "production profile, build f9acdf3". */
    String label(String id) {
        return field(id, "label");
    }

    String field(String id, String column) {
        return table.text(table.rowWhere("id", id), column);
    }

    /** One line: harness; cold or warm; JVM options; start-up warm-up; build and date. */
    String describe(String id) {
        return field(id, "harness") + "; " + field(id, "state") + "; JVM: " + field(id, "jvm_options")
                + "; start-up warm-up: " + field(id, "warm_up") + "; build " + field(id, "build") + ", "
                + field(id, "date");
    }

    CsvTable table() {
        return table;
    }
}
