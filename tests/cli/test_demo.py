"""Tests of ``spectroclf demo`` (spectroclf/cli/_demo.py)."""


def test_demo(run, capsys):
    code, out, err = run(
        capsys, "demo", "--n-samples", "24", "--duration", "1", "--max-epochs", "2"
    )
    assert code == 0, err
    assert "test set (6 clips)" in out and "precision" in out
    assert "majority-class baseline" in out
