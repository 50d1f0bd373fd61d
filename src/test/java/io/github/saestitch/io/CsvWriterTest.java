package io.github.saestitch.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer against the hand-written formatting each file used before it (the bytes must not change). */
class CsvWriterTest {
    @TempDir
    Path tmp;

    private static double anyDouble(SplittableRandom rnd) {
        return switch (rnd.nextInt(8)) {
            case 0 -> Double.NaN;
            case 1 -> rnd.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            case 2 -> 0.0;
            case 3 -> rnd.nextDouble() * 1e-9;
            case 4 -> (rnd.nextDouble() - 0.5) * 1e12;
            case 5 -> rnd.nextInt(1000) / 10.0;
            default -> Double.longBitsToDouble(rnd.nextLong());
        };
    }

    @Test
    void rowsEqualTheOldHandWrittenLines() throws Exception {
        SplittableRandom rnd = new SplittableRandom(17);
        Path file = tmp.resolve("t.csv");
        StringBuilder expected = new StringBuilder("a,b,c,d,e,f,g\n");
        String[] texts = {"plain", "with,comma", "with \"quote\"", "line\nbreak", "", "cosine + refit"};
        try (CsvWriter w = CsvWriter.open(file, "a,b,c,d,e,f,g")) {
            for (int row = 0; row < 301; row++) {
                long i = rnd.nextLong();
                double d = anyDouble(rnd);
                float f = (float) anyDouble(rnd);
                double g = anyDouble(rnd);
                double t = Math.abs(anyDouble(rnd));
                String s = texts[rnd.nextInt(texts.length)];
                w.integer(i)
                        .number(d)
                        .number(f)
                        .significant(g, 7)
                        .fixed(t, 3)
                        .text(s)
                        .empty()
                        .endRow();
                // The forms of CompareWriter, FrankensteinWriter and TrainingLog before the writer existed.
                String quoted = s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0
                        ? s
                        : '"' + s.replace("\"", "\"\"") + '"';
                expected.append(i)
                        .append(',')
                        .append(Double.isFinite(d) ? Double.toString(d) : "")
                        .append(',')
                        .append(Float.isFinite(f) ? Float.toString(f) : "")
                        .append(',')
                        .append(String.format(Locale.ROOT, "%.7g", g))
                        .append(',')
                        .append(String.format(Locale.ROOT, "%.3f", t))
                        .append(',')
                        .append(quoted)
                        .append(",\n");
            }
        }
        assertThat(Files.readString(file)).isEqualTo(expected.toString());
    }

    @Test
    void numbersAreTheShortestRoundTripOfTheirOwnType() {
        assertThat(CsvWriter.num(0.7f)).isEqualTo("0.7");
        assertThat(CsvWriter.num((double) 0.7f)).isEqualTo("0.699999988079071");
        assertThat(CsvWriter.num(1.5e-5)).isEqualTo("1.5E-5");
        assertThat(CsvWriter.num(Double.NaN)).isEmpty();
        assertThat(CsvWriter.num(Float.NEGATIVE_INFINITY)).isEmpty();
        assertThat(CsvWriter.field("a\rb")).isEqualTo("\"a\rb\"");
    }

    @Test
    void anEmptyFileIsTheHeaderAlone() throws Exception {
        Path file = tmp.resolve("e.csv");
        try (CsvWriter w = CsvWriter.open(file, "x,y")) {
            assertThat(w).isNotNull();
        }
        assertThat(Files.readString(file)).isEqualTo("x,y\n");
    }
}
