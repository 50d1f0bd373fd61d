package io.github.saestitch.frankenstein;

import io.github.saestitch.sae.Activation;
import io.github.saestitch.sae.Sae;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A family of SAEs trained on the same activation site, sorted by width (docs/definitions.md#frankenstein:
 * start from the smallest SAE of the family, then take each wider SAE in turn). Member 0 is the
 * smallest; SAEs of equal width keep the order they were given in.
 *
 * <p>Checked on construction: at least two members, every member with the same {@code d_in}, and the
 * same hook name wherever two members both name one (a family trained by this project leaves the hook
 * empty; an SAELens download names it, and SAEs of two sites must not be mixed).
 *
 * @param members sorted by width, smallest first
 */
public record Family(List<Member> members) {

    /**
     * One SAE of the family.
     *
     * @param sae    the weights
     * @param source where it came from (the path the user gave), for outputs
     */
    public record Member(Sae sae, String source) {
        public Member {
            Objects.requireNonNull(sae, "sae");
            source = source == null ? "" : source;
        }

        public int width() {
            return sae.numLatents();
        }
    }

    public Family {
        Objects.requireNonNull(members, "members");
        if (members.size() < 2) {
            throw new IllegalArgumentException(
                    "a Frankenstein needs a family of at least two SAEs, got " + members.size()
                            + (members.isEmpty() ? "" : " (" + members.get(0).source() + ")"));
        }
        List<Member> sorted = new ArrayList<>(members);
        sorted.sort(Comparator.comparingInt(Member::width)); // stable: equal widths keep their order
        Member first = sorted.get(0);
        String hook = "";
        String hookSource = "";
        for (Member m : sorted) {
            if (m.sae().dIn() != first.sae().dIn()) {
                throw new IllegalArgumentException("the family mixes d_in: " + first.source() + " has d_in = "
                        + first.sae().dIn() + " but " + m.source() + " has d_in = "
                        + m.sae().dIn()
                        + "; every SAE must read the same activation site");
            }
            String h = m.sae().metadata().hookName();
            if (!h.isEmpty()) {
                if (hook.isEmpty()) {
                    hook = h;
                    hookSource = m.source();
                } else if (!hook.equals(h)) {
                    throw new IllegalArgumentException("the family mixes sites: " + hookSource + " reads '" + hook
                            + "' but " + m.source() + " reads '" + h + "'");
                }
            }
        }
        members = List.copyOf(sorted);
    }

    /** Number of SAEs. */
    public int size() {
        return members.size();
    }

    public Member member(int s) {
        return members.get(s);
    }

    public Sae sae(int s) {
        return members.get(s).sae();
    }

    /** The common {@code d_in}. */
    public int dIn() {
        return sae(0).dIn();
    }

    /** Whether some member is a per-token top-k SAE (then a Frankenstein is a composite, not one SAE). */
    public boolean hasTopK() {
        for (Member m : members) {
            if (m.sae().activation() instanceof Activation.TopK) {
                return true;
            }
        }
        return false;
    }

    /** The hook name the members agree on, or "" when none names one. */
    public String hookName() {
        for (Member m : members) {
            if (!m.sae().metadata().hookName().isEmpty()) {
                return m.sae().metadata().hookName();
            }
        }
        return "";
    }

    /** Total number of latents of every member but the smallest: the candidates of a greedy selection. */
    public int candidateCount() {
        int c = 0;
        for (int s = 1; s < size(); s++) {
            c += member(s).width();
        }
        return c;
    }
}
