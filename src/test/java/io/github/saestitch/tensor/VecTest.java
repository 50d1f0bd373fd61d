package io.github.saestitch.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** Every {@link Vec} loop against a plain scalar loop, at odd lengths and offsets, on seeded inputs. */
class VecTest {
    /** Float-lane accumulation: relative error (to Σ|terms|) within a few √n ulps of float. */
    static final double DOT_REL_TOL = 1e-5;
    /** One float rounding of a single product-and-sum, relative to its magnitude. */
    static final double ONE_ROUNDING_REL_TOL = 2e-7;

    static final int[] LENGTHS = {0, 1, 7, 15, 16, 17, 31, 33, 64, 383, 384, 385, 1000, 1031};

    private record Case(int n, int ao, int bo, float[] a, float[] b, float alpha) {}

    private static Case random(SplitMix64 r, int n) {
        int ao = r.nextInt(5);
        int bo = r.nextInt(5);
        float[] a = new float[ao + n];
        float[] b = new float[bo + n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) r.nextGaussian();
        }
        return new Case(n, ao, bo, a, b, (float) r.nextGaussian());
    }

    /** Σ a·b in double, and Σ |a·b| (the scale of the rounding error). */
    private static double[] refDot(float[] a, int ao, float[] b, int bo, int n) {
        double s = 0;
        double scale = 0;
        for (int i = 0; i < n; i++) {
            s += (double) a[ao + i] * b[bo + i];
            scale += Math.abs((double) a[ao + i] * b[bo + i]);
        }
        return new double[] {s, scale};
    }

    @Test
    void dotsMatchPlainLoops() {
        SplitMix64 r = new SplitMix64(9);
        for (int n : LENGTHS) {
            Case c = random(r, n);
            double[] want = refDot(c.a, c.ao, c.b, c.bo, n);
            double tol = DOT_REL_TOL * want[1] + 1e-30;
            assertThat(Vec.dot(c.a, c.ao, c.b, c.bo, n)).as("dot n = %d", n).isCloseTo(want[0], within(tol));
            assertThat((double) Vec.dotFloat(c.a, c.ao, c.b, c.bo, n))
                    .as("dotFloat n = %d", n)
                    .isCloseTo(want[0], within(tol));
            double[] sq = refDot(c.a, c.ao, c.a, c.ao, n);
            double sqTol = DOT_REL_TOL * sq[1] + 1e-30;
            assertThat(Vec.sumSquares(c.a, c.ao, n)).as("sumSquares n = %d", n).isCloseTo(sq[0], within(sqTol));
            assertThat((double) Vec.sumSquaresFloat(c.a, c.ao, n))
                    .as("sumSquaresFloat n = %d", n)
                    .isCloseTo(sq[0], within(sqTol));
        }
    }

    @Test
    void axpysMatchPlainLoops() {
        SplitMix64 r = new SplitMix64(10);
        for (int n : LENGTHS) {
            Case c = random(r, n);
            float[] fused = c.b.clone();
            for (int i = 0; i < n; i++) {
                fused[c.bo + i] = Math.fma(c.alpha, c.a[c.ao + i], fused[c.bo + i]);
            }
            float[] y = c.b.clone();
            Vec.axpy(c.alpha, c.a, c.ao, y, c.bo, n);
            assertThat(y).as("axpy n = %d", n).isEqualTo(fused); // FMA per element either way: exact

            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate((long) c.a.length * Float.BYTES, Float.BYTES);
                MemorySegment.copy(c.a, 0, seg, FloatMatrix.FLOAT, 0, c.a.length);
                float[] ys = c.b.clone();
                Vec.axpy(c.alpha, seg, (long) c.ao * Float.BYTES, ys, c.bo, n);
                assertThat(ys).as("segment axpy n = %d", n).isEqualTo(fused);
            }

            float[] yu = c.b.clone();
            Vec.axpyUnfusedTail(c.alpha, c.a, c.ao, yu, c.bo, n);
            for (int i = 0; i < n; i++) {
                double mag = Math.abs((double) c.alpha * c.a[c.ao + i]) + Math.abs(c.b[c.bo + i]);
                assertThat((double) yu[c.bo + i])
                        .as("axpyUnfusedTail n = %d, i = %d", n, i)
                        .isCloseTo(fused[c.bo + i], within(ONE_ROUNDING_REL_TOL * mag + 1e-30));
            }

            double[] yd = new double[c.bo + n];
            double[] ydRef = new double[c.bo + n];
            for (int i = 0; i < yd.length; i++) {
                yd[i] = ydRef[i] = r.nextGaussian();
            }
            for (int i = 0; i < n; i++) {
                ydRef[c.bo + i] = Math.fma((double) c.alpha, c.a[c.ao + i], ydRef[c.bo + i]);
            }
            Vec.axpyToDouble(c.alpha, c.a, c.ao, yd, c.bo, n);
            assertThat(yd).as("axpyToDouble n = %d", n).isEqualTo(ydRef); // exact widening, one FMA per element
        }
    }

    @Test
    void theFusedCompareStepsMatchPlainLoops() {
        SplitMix64 r = new SplitMix64(11);
        for (int n : LENGTHS) {
            Case c = random(r, n);
            Case e = random(r, n);
            float a = c.alpha;
            float[] d = c.a; // row d at c.ao
            float[] res = c.b; // r at c.bo
            float[] p = e.a.clone(); // p at e.ao
            float[] q = e.b.clone(); // q at e.bo
            double[] out = new double[3];

            // sub
            float[] y = new float[n + 2];
            Vec.sub(d, c.ao, res, c.bo, y, 2, n);
            for (int i = 0; i < n; i++) {
                assertThat(y[2 + i]).isEqualTo(d[c.ao + i] - res[c.bo + i]);
            }

            // dot2Sub2: out = (d·r, d·p), then p −= a·d, q −= a·d
            double[] dr = refDot(d, c.ao, res, c.bo, n);
            double[] dp = refDot(d, c.ao, p, e.ao, n);
            float[] p1 = p.clone();
            float[] q1 = q.clone();
            Vec.dot2Sub2(a, d, c.ao, res, c.bo, p1, e.ao, q1, e.bo, out, n);
            assertThat(out[0]).isCloseTo(dr[0], within(DOT_REL_TOL * dr[1] + 1e-30));
            assertThat(out[1]).isCloseTo(dp[0], within(DOT_REL_TOL * dp[1] + 1e-30));
            for (int i = 0; i < n; i++) {
                assertThat(p1[e.ao + i]).isEqualTo(Math.fma(-a, d[c.ao + i], p[e.ao + i]));
                assertThat(q1[e.bo + i]).isEqualTo(Math.fma(-a, d[c.ao + i], q[e.bo + i]));
            }

            // dot2Add: out = (d·r, d·p), then p += a·d
            float[] p2 = p.clone();
            Vec.dot2Add(a, d, c.ao, res, c.bo, p2, e.ao, out, n);
            assertThat(out[0]).isCloseTo(dr[0], within(DOT_REL_TOL * dr[1] + 1e-30));
            assertThat(out[1]).isCloseTo(dp[0], within(DOT_REL_TOL * dp[1] + 1e-30));
            for (int i = 0; i < n; i++) {
                assertThat(p2[e.ao + i]).isEqualTo(Math.fma(a, d[c.ao + i], p[e.ao + i]));
            }

            // subScaledDot2: u −= a·d (u at 0), q −= a·d, returns d·r
            float[] u = new float[n];
            for (int i = 0; i < n; i++) {
                u[i] = (float) r.nextGaussian();
            }
            float[] u3 = u.clone();
            float[] q3 = q.clone();
            double got = Vec.subScaledDot2(a, d, c.ao, res, c.bo, u3, q3, e.bo, n);
            assertThat(got).isCloseTo(dr[0], within(DOT_REL_TOL * dr[1] + 1e-30));
            for (int i = 0; i < n; i++) {
                assertThat(u3[i]).isEqualTo(Math.fma(-a, d[c.ao + i], u[i]));
                assertThat(q3[e.bo + i]).isEqualTo(Math.fma(-a, d[c.ao + i], q[e.bo + i]));
            }

            // dot3AddTo: out = (u·r, u·p, u·u), then p += u
            double[] ur = refDot(u, 0, res, c.bo, n);
            double[] up = refDot(u, 0, p, e.ao, n);
            double[] uu = refDot(u, 0, u, 0, n);
            float[] p4 = p.clone();
            Vec.dot3AddTo(u, res, c.bo, p4, e.ao, out, n);
            assertThat(out[0]).isCloseTo(ur[0], within(DOT_REL_TOL * ur[1] + 1e-30));
            assertThat(out[1]).isCloseTo(up[0], within(DOT_REL_TOL * up[1] + 1e-30));
            assertThat(out[2]).isCloseTo(uu[0], within(DOT_REL_TOL * uu[1] + 1e-30));
            for (int i = 0; i < n; i++) {
                assertThat(p4[e.ao + i]).isEqualTo(p[e.ao + i] + u[i]);
            }
        }
    }

    @org.junit.jupiter.api.Test
    void anyGreaterMatchesAScalarScanAtEveryLengthWithNaNs() {
        SplitMix64 r = new SplitMix64(41);
        for (int n : LENGTHS) {
            for (int trial = 0; trial < 20; trial++) {
                Case c = random(r, n);
                float[] x = c.a();
                if (n > 0 && trial % 3 == 0) {
                    x[c.ao() + r.nextInt(n)] = Float.NaN;
                }
                float lim = trial % 4 == 0 ? Float.NaN : (float) (0.5 * r.nextGaussian() + 1.5);
                boolean expected = false;
                for (int k = 0; k < n; k++) {
                    expected |= x[c.ao() + k] > lim;
                }
                org.assertj.core.api.Assertions.assertThat(Vec.anyGreater(x, c.ao(), n, lim))
                        .as("n=%d trial=%d", n, trial)
                        .isEqualTo(expected);
            }
        }
    }
}
