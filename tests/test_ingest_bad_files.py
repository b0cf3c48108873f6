"""Files we cannot use are refused with a message that says what to fix."""

from pathlib import Path

import pytest

from service.errors import InvalidInput
from service.ingest.loaders import load_file

BAD = Path(__file__).resolve().parent / "fixtures" / "ingest" / "bad"


def refusal(name: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        load_file(BAD / name)
    return caught.value.message


def test_empty_file_is_refused_as_empty():
    assert refusal("empty.txt") == "empty.txt is empty."


def test_png_named_txt_is_refused_as_an_image():
    assert refusal("image.txt") == "image.txt is a PNG image, not a text file."


def test_file_with_nul_bytes_is_refused_as_binary():
    assert "binary" in refusal("nul.txt")


def test_invalid_json_names_line_and_column():
    assert refusal("broken.json") == "broken.json is not valid JSON: Expecting ',' delimiter at line 2, column 1."


def test_bad_jsonl_line_is_named_by_its_line_number():
    message = refusal("broken_line.jsonl")
    assert message.startswith("broken_line.jsonl, line 3 is not valid JSON")


def test_record_without_text_is_refused():
    assert "has no 'text'" in refusal("no_text.json")


def test_windows_1252_file_is_refused_not_garbled():
    message = refusal("cp1252.txt")
    assert "not valid UTF-8 at byte 0" in message
    assert "Windows-1252" in message and "re-save it as UTF-8" in message


def test_unknown_extension_lists_the_supported_ones():
    message = refusal("notes.pdf")
    assert "'.pdf' files are not supported" in message
    assert ".txt, .json, .jsonl, .html, .htm" in message


def test_errors_become_the_projects_problem_shape():
    with pytest.raises(InvalidInput) as caught:
        load_file(BAD / "cp1252.txt")
    problem = caught.value.to_dict()
    assert problem["status"] == 400 and problem["type"] == "invalid-input"
    assert problem["detail"]["line"] == 1
