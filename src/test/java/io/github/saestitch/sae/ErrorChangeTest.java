package io.github.saestitch.sae;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ErrorChange} against the literal procedure: build the hybrid's reconstruction
 * {@code x̂_S + Σ a_j d_j}, evaluate {@code ‖x − x̂_H‖² − ‖x − x̂_S‖²} term by term, at odd sizes,
 * seeded, including the empty set of moved latents.
 */
class ErrorChangeTest {
    /** Relative to ‖r‖² + ‖v‖²: both sides are double arithmetic on the same float inputs. */
    private static final double REL = 1e-12;

    @Test
    void matchesBuildingTheHybridAndEvaluating() {
        SplittableRandom rng = new SplittableRandom(1101);
        for (int d : new int[] {1, 3, 7, 13, 33, 101}) {
            for (int moved : new int[] {0, 1, 2, 5}) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] x = gaussian(rng, d, 3);
                    float[] xHatS = gaussian(rng, d, 3);
                    float[][] rows = new float[moved][];
                    float[] codes = new float[moved];
                    for (int j = 0; j < moved; j++) {
                        rows[j] = gaussian(rng, d, 1);
                        // Negative codes stand for latents that leave (a parent of a swapped group).
                        codes[j] = (float) (rng.nextDouble() * 4 - 1);
                    }
                    double literal = literal(x, xHatS, codes, rows);
                    double[] r = new double[d];
                    double[] u = new double[d];
                    for (int c = 0; c < d; c++) {
                        r[c] = (double) x[c] - xHatS[c];
                    }
                    double sumOfSingles = 0; // only equal to the joint change for one latent
                    for (int j = 0; j < moved; j++) {
                        double normSq = dot(rows[j], rows[j]);
                        double rd = 0;
                        for (int c = 0; c < d; c++) {
                            rd += r[c] * rows[j][c];
                            u[c] -= (double) codes[j] * rows[j][c];
                        }
                        sumOfSingles += ErrorChange.ofLatent(codes[j], normSq, rd);
                    }
                    double ru = 0;
                    double uu = 0;
                    for (int c = 0; c < d; c++) {
                        ru += r[c] * u[c];
                        uu += u[c] * u[c];
                    }
                    double scale = dot(r, r) + uu + 1;
                    String what = "d=" + d + " moved=" + moved + " trial=" + trial;
                    assertThat(ErrorChange.ofResidualShift(ru, uu)).as(what).isCloseTo(literal, within(REL * scale));
                    if (moved <= 1) {
                        assertThat(sumOfSingles).as(what).isCloseTo(literal, within(REL * scale));
                    }
                    if (moved == 0) {
                        assertThat(ErrorChange.ofResidualShift(ru, uu)).isZero();
                    }
                }
            }
        }
    }

    @Test
    void removingIsAddingWithTheNegatedCodeAndAZeroCodeChangesNothing() {
        // Removing latent i from x̂ = a·d (residual r = x − a·d) gives back ‖x‖² − ‖r‖².
        double[] dRow = {0.5, -1.25, 2};
        double[] x = {1, 2, 3};
        double a = 1.5;
        double[] r = new double[3];
        for (int c = 0; c < 3; c++) {
            r[c] = x[c] - a * dRow[c];
        }
        double expected = dot(x, x) - dot(r, r);
        assertThat(ErrorChange.ofLatent(-a, dot(dRow, dRow), dot(r, dRow))).isCloseTo(expected, within(1e-12));
        assertThat(ErrorChange.ofLatent(0, dot(dRow, dRow), dot(r, dRow))).isZero();
    }

    /** The literal hybrid: x̂_H = x̂_S + Σ a_j d_j, then both squared errors summed over dims. */
    private static double literal(float[] x, float[] xHatS, float[] codes, float[][] rows) {
        int d = x.length;
        double[] xHatH = new double[d];
        for (int c = 0; c < d; c++) {
            xHatH[c] = xHatS[c];
        }
        for (int j = 0; j < codes.length; j++) {
            for (int c = 0; c < d; c++) {
                xHatH[c] += (double) codes[j] * rows[j][c];
            }
        }
        double before = 0;
        double after = 0;
        for (int c = 0; c < d; c++) {
            double eS = (double) x[c] - xHatS[c];
            double eH = x[c] - xHatH[c];
            before += eS * eS;
            after += eH * eH;
        }
        return after - before;
    }

    private static float[] gaussian(SplittableRandom rng, int n, double scale) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (scale * (rng.nextDouble() * 2 - 1));
        }
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
