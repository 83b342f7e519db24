"""Reading inbound mail: the reply's own words, its files, what it answers, and machines'
mail told apart from people's."""

from email.message import EmailMessage

import pytest

from complaint_desk.services.intake.mail.parse import read


def mail(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "陳大文 <Chen@Example.org>")
    message["To"] = "desk@desk.test"
    message["Subject"] = headers.pop("Subject", "Re: 您的投訴已受理：HQ-20261202-0003")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("還是壞的。\n\nOn Tue, the desk wrote:\n> 我們已收到")
    return message


def test_a_persons_reply_gives_its_words_sender_references_and_numbers() -> None:
    message = mail(In_Reply_To="<abc.1@complaint-desk>", References="<x@a> <abc.1@complaint-desk>")
    message.add_attachment(
        b"%PDF-1.4 ...", maintype="application", subtype="pdf", filename="單.pdf"
    )
    found = read(message.as_bytes(), "chen@example.org")
    assert (found.sender, found.sender_name) == ("chen@example.org", "陳大文")
    assert found.text == "還是壞的。", "the quoted mail is dropped"
    assert found.numbers == ("HQ-20261202-0003",)
    assert found.references[0] == "<abc.1@complaint-desk>"
    assert [name for name, _ in found.files] == ["單.pdf"]
    assert found.automated is None


@pytest.mark.parametrize(
    ("headers", "envelope"),
    [
        ({"Auto_Submitted": "auto-replied"}, "chen@example.org"),
        ({"Precedence": "bulk"}, "chen@example.org"),
        ({"X_Auto_Response_Suppress": "All"}, "chen@example.org"),
        ({"List_Id": "<staff.example.org>"}, "chen@example.org"),
        ({}, ""),  # the null sender: a bounce
        ({"From": "MAILER-DAEMON@example.org"}, "mailer-daemon@example.org"),
    ],
)
def test_machines_mail_is_told_apart(headers: dict[str, str], envelope: str) -> None:
    assert read(mail(**headers).as_bytes(), envelope).automated


def test_auto_submitted_no_is_a_person() -> None:
    assert read(mail(Auto_Submitted="no").as_bytes(), "chen@example.org").automated is None
