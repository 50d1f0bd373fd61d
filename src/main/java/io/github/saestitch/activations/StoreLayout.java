package io.github.saestitch.activations;

import java.nio.file.Path;

/**
 * File names of an activation store directory.
 *
 * <pre>
 * STORE/
 *   manifest.json            what the activations are and which shards are complete (StoreManifest)
 *   documents.json           {format_version, kind, documents: [{id, name, genre}]}: the corpus documents
 *   shard-000000/            one directory per complete shard, renamed into place when finished
 *     acts.f32 | acts.bf16   [tokens, d] activations, little-endian, row-major
 *     token_ids.i32          [tokens] token id (int32 LE)
 *     doc_ids.i32            [tokens] document id (index in documents.json)
 *     doc_pos.i32            [tokens] position among the document's content tokens (-1 for [CLS]/[SEP])
 *     ctx_pos.i32            [tokens] position in the model's input window (0 is [CLS])
 *   shard-000001/ ...
 *   shard-000002.partial/    a shard being written (ignored by readers, removed by the next run)
 *   .lock                    held while an extraction writes
 * </pre>
 */
final class StoreLayout {
    static final String DOCUMENTS = "documents.json";
    static final String DOCUMENTS_KIND = "saestitch.documents";
    static final String LOCK = ".lock";
    static final String PARTIAL = ".partial";
    static final String TOKEN_IDS = "token_ids.i32";
    static final String DOC_IDS = "doc_ids.i32";
    static final String DOC_POS = "doc_pos.i32";
    static final String CTX_POS = "ctx_pos.i32";
    /** The four per-token int32 files, in the order the writer keeps them. */
    static final String[] INT_FILES = {TOKEN_IDS, DOC_IDS, DOC_POS, CTX_POS};

    private StoreLayout() {}

    static String shardName(int index) {
        return String.format("shard-%06d", index);
    }

    static String actsFile(StoreDtype dtype) {
        return "acts." + dtype.suffix();
    }

    static Path shardDir(Path store, int index) {
        return store.resolve(shardName(index));
    }
}
