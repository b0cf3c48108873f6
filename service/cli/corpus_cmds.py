"""ingest, stats, search, delete."""

from __future__ import annotations

from service.cli.output import print_json
from service.corpus import open_corpus


def register(sub) -> None:
    p = sub.add_parser("ingest", help="add files or folders (.txt, .json, .jsonl, .html) to the index")
    p.add_argument("paths", nargs="+")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument("--ray", metavar="ADDRESS",
                   help="read, clean and embed on the Ray cluster at ADDRESS (pip install '.[ray]'); this process "
                        "writes the store, in order (docs/cluster.md). The files must be readable from every node")
    p.add_argument("--actors", type=int, default=2, help="with --ray: embedding actors (default 2)")
    p.add_argument("--shards", type=int, metavar="S",
                   help="then rebuild the S-shard files that `recoupe serve --ray --shards S` serves")
    p.set_defaults(func=ingest)

    p = sub.add_parser("stats", help="what the index holds")
    p.set_defaults(func=stats)

    p = sub.add_parser("search", help="the passages closest to a text, in any language")
    p.add_argument("text")
    p.add_argument("-k", type=int, default=5, help="how many passages (default 5)")
    p.add_argument("--language", action="append", help="only passages in this language (repeatable)")
    p.add_argument("--source", action="append", help="only passages from this source (repeatable)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=search)

    p = sub.add_parser("delete", help="remove an article and its passages")
    p.add_argument("article_id")
    p.set_defaults(func=delete)

    p = sub.add_parser("backup", help="copy the index to a file (SQLite online backup; the server may keep running)")
    p.add_argument("path", help="the backup file to create")
    p.set_defaults(func=backup)

    p = sub.add_parser("restore", help="replace the index by a backup file (the FAISS index is rebuilt from it)")
    p.add_argument("path", help="a file made by `recoupe backup`")
    p.set_defaults(func=restore)


def ingest(args, config) -> int:
    if args.ray:
        from service.cluster.ingest import ingest as ingest_on_cluster
        from service.errors import InvalidInput

        if args.actors < 1:
            raise InvalidInput("--actors must be 1 or more")
        summary = ingest_on_cluster(config, args.ray, args.paths, actors=args.actors, progress=not args.json)
    else:
        corpus = open_corpus(config)
        try:
            summary = corpus.ingest_paths(args.paths, progress=not args.json)
        finally:
            corpus.close()
    if args.json:
        print_json(summary.to_dict())
    else:
        print(f"files: {summary.files}  articles added: {summary.articles_added}  replaced: "
              f"{summary.articles_replaced}  duplicates skipped: {summary.duplicates_skipped}  "
              f"passages added: {summary.passages_added}  errors: {len(summary.errors)}")
        for err in summary.errors:
            print(f"  error in {err['file']}: {err['error']}")
    if args.shards:
        from service.cli.shards_cmd import build_shards

        build_shards(config, args.shards, quiet=args.json)
    return 1 if summary.errors and not (summary.articles_added or summary.articles_replaced
                                        or summary.duplicates_skipped) else 0


def stats(args, config) -> int:
    corpus = open_corpus(config)
    try:
        print_json(corpus.stats())
    finally:
        corpus.close()
    return 0


def search(args, config) -> int:
    corpus = open_corpus(config)
    try:
        hits = corpus.search(args.text, args.k, languages=args.language, sources=args.source)
    finally:
        corpus.close()
    if args.json:
        print_json([h.to_dict() for h in hits])
        return 0
    if not hits:
        print("no passage found (is the index empty? run `recoupe ingest seeds/`)")
    for h in hits:
        a, p = h.article, h.passage
        print(f"{h.rank:2d}. {h.score:.3f} [{p.language}] {p.text}")
        print(f"    {a.title} | {a.source} | {a.id} chars {p.start}-{p.end}"
              + (f" | {a.published_at}" if a.published_at else ""))
    return 0


def delete(args, config) -> int:
    corpus = open_corpus(config)
    try:
        n = corpus.delete(args.article_id)
    finally:
        corpus.close()
    print(f"deleted {args.article_id}: {n} passages removed")
    return 0


def backup(args, config) -> int:
    from service.index.backup import backup as backup_store

    report = backup_store(config.data_dir, args.path)
    print(f"backed up {report.articles} articles, {report.passages} passages to {report.path} "
          f"({report.size_bytes / 2**20:.1f} MiB)")
    return 0


def restore(args, config) -> int:
    from service.index import PassageIndex
    from service.index.backup import restore as restore_store

    report = restore_store(config.data_dir, args.path)
    if report.dim:
        PassageIndex.from_config(config, dim=report.dim).close()  # rebuilds and writes the FAISS index now
    print(f"restored {report.articles} articles, {report.passages} passages from {args.path} into {config.data_dir}")
    return 0
