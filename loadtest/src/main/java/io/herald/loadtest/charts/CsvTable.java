package io.herald.loadtest.charts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CSV file with a header line, read whole: the fan-out harness's {@code --csv} files and the hand-made
 * tables of docs/data. Fields may be quoted ({@code "a, b"}, {@code ""} for a quote); blank lines are
 * skipped. Cells are looked up by column name, so a file may carry more columns than a chart uses.
 */
final class CsvTable {

    private final Path source;
    private final List<String> header;
    private final List<List<String>> rows;

    private CsvTable(Path source, List<String> header, List<List<String>> rows) {
        this.source = source;
        this.header = header;
        this.rows = rows;
    }

    static CsvTable read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> header = null;
        List<List<String>> rows = new ArrayList<>();
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = parseLine(line);
            if (header == null) {
                header = fields;
            } else {
                rows.add(fields);
            }
        }
        if (header == null) {
            throw new IllegalArgumentException(file + ": no header line");
        }
        return new CsvTable(file, List.copyOf(header), List.copyOf(rows));
    }

    static List<String> parseLine(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    int size() {
        return rows.size();
    }

    String text(int row, String column) {
        List<String> fields = rows.get(row);
        int index = columnIndex(column);
        return index < fields.size() ? fields.get(index).trim() : "";
    }

    /** The cell as a number; NaN when it is empty (the harness leaves columns of the other command empty). */
    double number(int row, String column) {
        String text = text(row, column);
        if (text.isEmpty()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " row " + (row + 1) + " column " + column + ": not a number: " + text, e);
        }
    }

    /** The first row whose {@code column} equals {@code value}. */
    int rowWhere(String column, String value) {
        for (int row = 0; row < rows.size(); row++) {
            if (text(row, column).equals(value)) {
                return row;
            }
        }
        throw new IllegalArgumentException(source + ": no row with " + column + " = " + value);
    }

    private int columnIndex(String column) {
        int index = header.indexOf(column);
        if (index < 0) {
            throw new IllegalArgumentException(source + ": no column " + column + " (columns: " + header + ")");
        }
        return index;
    }
}
