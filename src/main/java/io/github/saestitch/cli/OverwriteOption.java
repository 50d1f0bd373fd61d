package io.github.saestitch.cli;

import io.github.saestitch.activations.StoreManifest;
import io.github.saestitch.io.AtomicOutput;
import io.github.saestitch.io.OutputLock;
import io.github.saestitch.io.OutputLockedException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;

/**
 * The one {@code --out} policy of every command that writes, and its {@code --overwrite} option. Every
 * such command declares this mixin with its outputs; {@link #execute} applies the policy around the
 * command, before any of its work:
 *
 * <ul>
 *   <li>An output that exists is refused (exit 2, one line naming it and {@code --overwrite}), unless
 *       {@code --overwrite} was given, or it is the command's own unfinished output being continued
 *       ({@code train --resume}, an activation store, a demo directory). Nothing is ever written beside
 *       unrelated files.
 *   <li>The output is locked ({@link OutputLock} on {@code .NAME.lock} beside it) for the whole run: a
 *       second run on the same output exits 2 naming the holder (pid, command, start time). Creating and
 *       writing the lock file is also the check that the directory is writable, before the long work.
 *   <li>Under the lock, temporaries a killed writer of this output left are removed
 *       ({@link AtomicOutput#removeStaleTemporaries}); whole outputs are published without replacing one
 *       that appeared meanwhile (the writers get {@link #on} as their {@code replace} flag).
 *   <li>On failure, a directory the run created and left empty is removed, with the parents it created;
 *       a disk-full, read-only or permission error is reported naming the user's output, not a temporary.
 * </ul>
 */
final class OverwriteOption {
    @Option(
            names = "--overwrite",
            description = "Replace OUT if it exists (default: refuse). The replacement happens under OUT's lock.")
    boolean on;

    private final Supplier<List<Path>> outputs;
    private final boolean inPlace;
    private final Predicate<Path> continues;

    private OverwriteOption(Supplier<List<Path>> outputs, boolean inPlace, Predicate<Path> continues) {
        this.outputs = outputs;
        this.inPlace = inPlace;
        this.continues = continues;
    }

    /** Outputs written whole at the end (a file or a directory that appears complete or not at all). */
    static OverwriteOption whole(Supplier<List<Path>> outputs) {
        return new OverwriteOption(outputs, false, p -> false);
    }

    /**
     * A directory written in place and continued by a later run: an existing one is accepted when
     * {@code continues} says it is this command's own (e.g. {@code --resume} was given, it is a store).
     */
    static OverwriteOption resumable(Supplier<Path> output, Predicate<Path> continues) {
        return new OverwriteOption(() -> List.of(output.get()), true, continues);
    }

    /** An activation store, continued when it is one ({@code manifest.json}, or the documents an interrupted creation wrote first). */
    static OverwriteOption store(Supplier<Path> output) {
        return resumable(
                output,
                p -> Files.isRegularFile(p.resolve(StoreManifest.FILE))
                        || Files.isRegularFile(p.resolve("documents.json")));
    }

    /**
     * The execution strategy's last step: applies the policy of the invoked command's
     * {@code OverwriteOption} (if it has one) around running it.
     */
    static int execute(ParseResult parsed) {
        ParseResult last = parsed;
        boolean help = parsed.isUsageHelpRequested() || parsed.isVersionHelpRequested();
        while (last.subcommand() != null) {
            last = last.subcommand();
            help |= last.isUsageHelpRequested() || last.isVersionHelpRequested();
        }
        OverwriteOption policy = help ? null : of(last.commandSpec());
        if (policy == null) {
            return new CommandLine.RunLast().execute(parsed);
        }
        CommandLine cl = last.commandSpec().commandLine();
        Claim claim;
        try {
            claim = policy.claim(last.commandSpec().qualifiedName(" ").replaceFirst("^saestitch ", ""));
        } catch (RuntimeException e) {
            throw new CommandLine.ExecutionException(cl, String.valueOf(e.getMessage()), e);
        }
        boolean ok = false;
        try {
            int rc = new CommandLine.RunLast().execute(parsed);
            ok = rc == 0;
            return rc;
        } catch (CommandLine.ExecutionException e) {
            BadInputException clear = claim.explain(e.getCause());
            throw clear == null ? e : new CommandLine.ExecutionException(cl, clear.getMessage(), clear);
        } finally {
            claim.close(ok);
        }
    }

    /** The policy mixin of a command, null when it writes nothing. */
    static OverwriteOption of(CommandSpec spec) {
        for (CommandSpec m : spec.mixins().values()) {
            if (m.userObject() instanceof OverwriteOption o) {
                return o;
            }
        }
        return null;
    }

    /** The outputs as given (absolute). */
    List<Path> outputs() {
        List<Path> out = new ArrayList<>();
        for (Path p : outputs.get()) {
            if (p != null) {
                out.add(p.toAbsolutePath().normalize());
            }
        }
        return out;
    }

    /**
     * Applies the policy before the command runs: creates missing parents, locks every output, refuses
     * an existing one (or, with {@code --overwrite}, deletes one written in place), removes stale
     * temporaries.
     *
     * @throws BadInputException for an existing or locked output, or an output directory that cannot
     *                           be written
     */
    Claim claim(String command) {
        Claim c = new Claim();
        try {
            for (Path out : outputs()) {
                c.add(out, command);
            }
        } catch (RuntimeException e) {
            c.close(false);
            throw e;
        }
        return c;
    }

    /** What one run holds: the locks, and what it created, to undo on failure. */
    final class Claim {
        private final List<Path> outs = new ArrayList<>();
        private final List<Path> fresh = new ArrayList<>();
        private final List<Path> createdParents = new ArrayList<>();
        private final List<OutputLock> locks = new ArrayList<>();

        private void add(Path out, String command) {
            if (out.getParent() == null) {
                throw new BadInputException(out + " cannot be an output; choose a path inside a directory");
            }
            outs.add(out);
            boolean exists = Files.exists(out, LinkOption.NOFOLLOW_LINKS);
            // --overwrite always starts again: an earlier store, demo, study or run is replaced, not continued
            boolean continued = exists && !on && continues.test(out);
            if (exists && !continued && !on) {
                throw refusal(out);
            }
            try {
                createParents(out.getParent());
                try {
                    locks.add(OutputLock.acquire(out, command));
                } catch (OutputLockedException e) {
                    throw new BadInputException(e.getMessage());
                }
                AtomicOutput.removeStaleTemporaries(out);
                if (continued) {
                    AtomicOutput.removeStaleTemporariesIn(out, 2);
                    if (!Files.isWritable(out)) {
                        throw new BadInputException("cannot write " + out + ": permission denied");
                    }
                } else if (exists && inPlace) {
                    // Written in place: --overwrite starts it again from nothing, under the lock.
                    AtomicOutput.deleteRecursively(out);
                }
                if (!exists || !continued && inPlace) {
                    fresh.add(out);
                }
            } catch (IOException e) {
                BadInputException clear = explain(e);
                throw clear != null ? clear : new UncheckedIOException(e);
            }
        }

        private void createParents(Path dir) throws IOException {
            List<Path> missing = new ArrayList<>();
            for (Path d = dir; d != null && !Files.exists(d); d = d.getParent()) {
                missing.add(0, d);
            }
            for (Path d : missing) {
                Files.createDirectory(d);
                createdParents.add(0, d);
            }
        }

        /**
         * A one-line message for a write failure that the user must fix on their side (disk full,
         * read-only file system, permission, quota), naming the output rather than a temporary; null
         * for anything else.
         */
        BadInputException explain(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                String what = diagnosis(t);
                if (what == null) {
                    continue;
                }
                Path out = outputOf(t);
                if (out != null) {
                    return new BadInputException("cannot write " + out + ": " + what);
                }
            }
            return null;
        }

        /** The output a failure is about: the one its file belongs to; the first when it names none. */
        private Path outputOf(Throwable t) {
            String file = t instanceof FileSystemException f ? f.getFile() : null;
            if (file == null) {
                return outs.isEmpty() ? null : outs.get(0);
            }
            for (Path out : outs) {
                String name = out.getFileName().toString();
                Path p = Path.of(file).toAbsolutePath().normalize();
                if (p.startsWith(out)
                        || out.getParent().equals(p.getParent())
                                && p.getFileName().toString().startsWith("." + name + ".")
                        || out.startsWith(p)) {
                    return out;
                }
            }
            return null;
        }

        /** Releases the locks; after a failure removes the empty directories this run created. */
        void close(boolean ok) {
            for (OutputLock l : locks) {
                l.close();
            }
            if (ok) {
                return;
            }
            for (Path out : fresh) {
                deleteIfEmptyDirectory(out);
            }
            for (Path d : createdParents) {
                deleteIfEmptyDirectory(d);
            }
        }
    }

    private BadInputException refusal(Path out) {
        boolean directory = Files.isDirectory(out);
        return new BadInputException(out + " already exists; choose another " + (directory ? "directory" : "path")
                + " or pass --overwrite to replace it");
    }

    /** What kind of write failure {@code t} is, in the user's words; null when it is none of them. */
    static String diagnosis(Throwable t) {
        String m = t instanceof FileSystemException f ? f.getReason() : t.getMessage();
        if (m == null && !(t instanceof AccessDeniedException)) {
            return null;
        }
        String s = m == null ? "" : m;
        if (s.contains("No space left on device")) {
            return "disk full (No space left on device); free some space or choose another --out";
        }
        if (s.contains("Disk quota exceeded")) {
            return "disk quota exceeded; free some space or choose another --out";
        }
        if (s.contains("Read-only file system")) {
            return "read-only file system; choose an --out on a writable disk";
        }
        if (t instanceof AccessDeniedException || s.contains("Permission denied")) {
            return "permission denied; choose an --out you may write";
        }
        return null;
    }

    private static void deleteIfEmptyDirectory(Path dir) {
        try {
            if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                    if (ds.iterator().hasNext()) {
                        return;
                    }
                }
                Files.delete(dir);
            }
        } catch (IOException ignored) {
            // best effort: the run's own error is what the user needs to read
        }
    }
}
