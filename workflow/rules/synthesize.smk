# The synthetic default inputs. These rules run only when the config's inputs point at
# files under data/synthetic/; a replication team's own files are never generated, and a
# file under data/synthetic/ the generator did not write (a team's export copied over the
# default) stops the run before Snakemake would replace it.

if generated("study2"):

    check_synthetic_outputs(
        [f"{SYNTHETIC}/study2/responses.csv", f"{SYNTHETIC}/study2/responses.sav", *([synthetic_spec_path()] if n_synthetic_items() else [])],
        f"{SYNTHETIC}/study2/MANIFEST.json", "study2.responses",
    )

    rule synthesize_study2:
        input:
            questionnaire=config["study2"]["questionnaire"],
        output:
            csv=f"{SYNTHETIC}/study2/responses.csv",
            sav=f"{SYNTHETIC}/study2/responses.sav",
            manifest=f"{SYNTHETIC}/study2/MANIFEST.json",
            spec=[synthetic_spec_path()] if n_synthetic_items() else [],
        log:
            "logs/synthesize_study2.log",
        params:
            settings=Settings(synthetic_settings("study2"), "synthetic.study2"),
            seed=generator_seed(),
        script:
            "../scripts/synthesize_study2.py"


if generated("study1"):

    check_synthetic_outputs(
        [f"{SYNTHETIC}/study1/coded_segments.csv", f"{SYNTHETIC}/study1/focus_groups.qdpx", *transcript_paths()],
        f"{SYNTHETIC}/study1/MANIFEST.json", "study1.segments",
    )

    rule synthesize_study1:
        input:
            codebook=config["study1"]["codebook"],
        output:
            csv=f"{SYNTHETIC}/study1/coded_segments.csv",
            qdpx=f"{SYNTHETIC}/study1/focus_groups.qdpx",
            transcripts=transcript_paths(),
            manifest=f"{SYNTHETIC}/study1/MANIFEST.json",
        log:
            "logs/synthesize_study1.log",
        params:
            settings=Settings(synthetic_settings("study1"), "synthetic.study1"),
            seed=generator_seed(),
        script:
            "../scripts/synthesize_study1.py"
