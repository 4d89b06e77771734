//! The Maildir store's contents (`StoreContent`) on a copy of the fixture Maildir: folders,
//! parsing of every fixture message, flags both ways, keys from outside, files that vanish,
//! crash safety of writes, concurrent writers and others' changes.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use maildir_store::MaildirContent;
use maildir_store::index_file::INDEX_FILE;
use maildir_store::maildir::{self, INFO_SEPARATOR, ScratchMaildir, TmpFile};
use maildir_store::sidecar::{ASSOCIATED_FILE, CORRUPT_SUFFIX, NAMES_FILE, PROPS_FILE};
use mapi_spi_runtime::codes::*;
use mapi_spi_runtime::flags::*;
use mapi_spi_runtime::props::names::{NamedProperties, PS_PUBLIC_STRINGS, PropName};
use mapi_spi_runtime::props::{PropValue, Property};
use mapi_spi_runtime::provider::store::content::{
    Attachment, ContentChange, Message, SpecialFolder, StoreContent,
};
use mapi_spi_runtime::tags::*;

/// A fresh copy of the fixture Maildir, for test `name`.
fn fixture(name: &str) -> ScratchMaildir {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixture/Maildir");
    ScratchMaildir::copy_of(&source, &format!("maildir-content-{name}")).unwrap()
}

fn open(name: &str) -> (ScratchMaildir, MaildirContent) {
    let dir = fixture(name);
    let content = MaildirContent::open(&dir).unwrap();
    (dir, content)
}

fn get(props: &[Property], tag: u32) -> Option<&PropValue> {
    props.iter().find(|p| p.tag() == tag).map(|p| &p.value)
}

fn text(props: &[Property], tag: u32) -> &str {
    match get(props, tag) {
        Some(PropValue::Unicode(text)) => text,
        other => panic!("{tag:#010X}: {other:?}"),
    }
}

fn long(props: &[Property], tag: u32) -> u32 {
    match get(props, tag) {
        Some(PropValue::Long(value)) => *value,
        other => panic!("{tag:#010X}: {other:?}"),
    }
}

fn unix_time(props: &[Property], tag: u32) -> i64 {
    match get(props, tag) {
        Some(PropValue::SysTime(t)) => {
            let ticks = (u64::from(t.dwHighDateTime) << 32) | u64::from(t.dwLowDateTime);
            (ticks / 10_000_000) as i64 - 11_644_473_600
        }
        other => panic!("{tag:#010X}: {other:?}"),
    }
}

fn names(folders: &[mapi_spi_runtime::provider::store::content::Folder]) -> Vec<&str> {
    folders
        .iter()
        .map(|f| text(&f.props, PR_DISPLAY_NAME_W))
        .collect()
}

fn key(folder: &str, unique: &str) -> Vec<u8> {
    format!("{folder}/{unique}").into_bytes()
}

/// Every file below `dir`, for checking that nothing changed.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn code(error: mapi_spi_runtime::provider::ProviderError) -> mapi_spi_runtime::HRESULT {
    error.code
}

#[test]
fn folders_and_special_folders() {
    let (_dir, content) = open("folders");
    let root = content.root();
    let root_folder = content.folder(&root).unwrap();
    assert_eq!(root_folder.parent, None);
    let top = content.subfolders(&root).unwrap();
    assert_eq!(names(&top), ["Top of Information Store"]);
    let ipm = content.special_folder(SpecialFolder::IpmSubtree).unwrap();
    assert_eq!(top[0].key, ipm);
    let below = content.subfolders(&ipm).unwrap();
    assert_eq!(
        names(&below),
        [
            "Inbox",
            "Archive",
            "Drafts",
            "Entwürfe",
            "Projects",
            "Sent",
            "Trash"
        ]
    );
    for folder in &below {
        assert_eq!(folder.parent.as_deref(), Some(&ipm[..]));
        assert_eq!(text(&folder.props, PR_CONTAINER_CLASS_W), "IPF.Note");
        assert_eq!(content.folder(&folder.key).unwrap(), *folder);
    }
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    assert_eq!(below[0].key, inbox);
    let by_name = |name: &str| {
        below
            .iter()
            .find(|f| names(&[(*f).clone()])[0] == name)
            .unwrap()
    };
    assert_eq!(
        names(&content.subfolders(&by_name("Archive").key).unwrap()),
        ["2023"]
    );
    // `.Projects.Rust` without `.Projects`: Projects is there, empty, with Rust below.
    let projects = by_name("Projects");
    assert!(content.messages(&projects.key).unwrap().is_empty());
    let rust = content.subfolders(&projects.key).unwrap();
    assert_eq!(names(&rust), ["Rust"]);
    assert_eq!(content.messages(&rust[0].key).unwrap().len(), 1);
    assert_eq!(
        content.special_folder(SpecialFolder::SentItems),
        Some(by_name("Sent").key.clone())
    );
    assert_eq!(
        content.special_folder(SpecialFolder::Drafts),
        Some(by_name("Drafts").key.clone())
    );
    assert_eq!(
        content.special_folder(SpecialFolder::DeletedItems),
        Some(by_name("Trash").key.clone())
    );
    assert_eq!(content.special_folder(SpecialFolder::Outbox), None);
    // The root and the IPM subtree hold no messages.
    assert!(content.messages(&root).unwrap().is_empty());
    assert!(content.messages(&ipm).unwrap().is_empty());
}

#[test]
fn inbox_listing() {
    let (dir, content) = open("listing");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let messages = content.messages(&inbox).unwrap();
    let keys: Vec<Vec<u8>> = messages.iter().map(|m| m.key.clone()).collect();
    let expected: Vec<Vec<u8>> = (1..=5)
        .map(|n| key("I", &format!("170000000{n}.M{n}P100.fixture")))
        .collect();
    assert_eq!(keys, expected);
    let first = &messages[0].props;
    assert_eq!(text(first, PR_SUBJECT_W), "Grüße aus Köln");
    assert_eq!(text(first, PR_SENDER_NAME_W), "Jörg Müller");
    assert_eq!(text(first, PR_MESSAGE_CLASS_W), "IPM.Note");
    assert_eq!(long(first, PR_MESSAGE_FLAGS), 0);
    assert_eq!(unix_time(first, PR_MESSAGE_DELIVERY_TIME), 1_700_000_001);
    // A table row says what the open message says; its properties come in ID order, which
    // the contents table takes without sorting them.
    for summary in &messages {
        assert!(summary.props.is_sorted_by(|a, b| a.id < b.id));
        let message = content.message(&summary.key).unwrap().message;
        for p in &summary.props {
            if p.tag() == PR_HASATTACH {
                continue; // estimated from the headers in a row
            }
            assert_eq!(
                get(&message.props, p.tag()),
                Some(&p.value),
                "{:#X}",
                p.tag()
            );
        }
    }
    assert_eq!(
        text(&messages[3].props, PR_SUBJECT_W),
        "(unreadable message)"
    );
    // A second listing of the unchanged folder answers the same ...
    assert_eq!(content.messages(&inbox).unwrap(), messages);
    // ... from its index, without reading the files again: a file rewritten in place (which
    // Maildir files never are) keeps its listed subject.
    let file = dir.join("new").join("1700000001.M1P100.fixture");
    fs::write(&file, b"Subject: rewritten\r\n\r\n").unwrap();
    assert_eq!(
        text(&content.messages(&inbox).unwrap()[0].props, PR_SUBJECT_W),
        "Grüße aus Köln"
    );
}

#[test]
fn each_fixture_message_parsed() {
    let (_dir, content) = open("parsed");
    let m = content
        .message(&key("I", "1700000001.M1P100.fixture"))
        .unwrap();
    assert_eq!(m.folder, b"I");
    let p = &m.message.props;
    assert_eq!(text(p, PR_SUBJECT_W), "Grüße aus Köln");
    assert_eq!(text(p, PR_SENDER_NAME_W), "Jörg Müller");
    assert_eq!(text(p, PR_SENDER_EMAIL_ADDRESS_W), "joerg@example.de");
    assert_eq!(text(p, PR_SENT_REPRESENTING_NAME_W), "Jörg Müller");
    assert_eq!(text(p, PR_DISPLAY_TO_W), "Anna Schmidt; bob@example.com");
    assert_eq!(text(p, PR_DISPLAY_CC_W), "Carla Rossi");
    assert_eq!(
        text(p, PR_INTERNET_MESSAGE_ID_W),
        "<greetings.1@example.de>"
    );
    assert_eq!(unix_time(p, PR_CLIENT_SUBMIT_TIME), 1_699_996_401);
    assert!(text(p, PR_BODY_W).contains("viele Grüße aus Köln!"));
    assert_eq!(get(p, PR_HTML), None);
    assert_eq!(get(p, PR_HASATTACH), Some(&PropValue::Boolean(false)));
    let size = fs::metadata(_dir.join("new").join("1700000001.M1P100.fixture"))
        .unwrap()
        .len();
    assert_eq!(long(p, PR_MESSAGE_SIZE) as u64, size);
    let recipients: Vec<(&str, &str, &str, u32)> = m
        .message
        .recipients
        .iter()
        .map(|r| {
            (
                text(r, PR_DISPLAY_NAME_W),
                text(r, PR_EMAIL_ADDRESS_W),
                text(r, PR_ADDRTYPE_W),
                long(r, PR_RECIPIENT_TYPE),
            )
        })
        .collect();
    assert_eq!(
        recipients,
        [
            ("Anna Schmidt", "anna@example.org", "SMTP", MAPI_TO),
            ("bob@example.com", "bob@example.com", "SMTP", MAPI_TO),
            ("Carla Rossi", "carla@example.it", "SMTP", MAPI_CC),
        ]
    );

    let html = content
        .message(&key("I", "1700000002.M2P100.fixture"))
        .unwrap()
        .message;
    assert_eq!(text(&html.props, PR_SUBJECT_W), "日本語のお知らせ");
    assert_eq!(long(&html.props, PR_MESSAGE_FLAGS), MSGFLAG_READ);
    let Some(PropValue::Binary(bytes)) = get(&html.props, PR_HTML) else {
        panic!("no HTML body");
    };
    assert!(String::from_utf8_lossy(bytes).contains("<h1>日本語のお知らせ</h1>"));
    assert_eq!(long(&html.props, PR_INTERNET_CPID), 65001);
    assert!(text(&html.props, PR_BODY_W).contains("日本語のお知らせ"));
    assert!(html.attachments.is_empty());

    let with_attachment = content
        .message(&key("I", "1700000003.M3P100.fixture"))
        .unwrap()
        .message;
    let p = &with_attachment.props;
    assert_eq!(get(p, PR_HASATTACH), Some(&PropValue::Boolean(true)));
    assert_eq!(long(p, PR_MESSAGE_FLAGS), MSGFLAG_READ | MSGFLAG_HASATTACH);
    assert_eq!(long(p, PR_FLAG_STATUS), 2);
    assert_eq!(long(p, PR_MSG_STATUS), MSGSTATUS_ANSWERED);
    assert_eq!(long(p, PR_LAST_VERB_EXECUTED), 102);
    assert_eq!(text(p, PR_BODY_W).trim(), "Please find my CV attached.");
    let [attachment] = &with_attachment.attachments[..] else {
        panic!("{:?}", with_attachment.attachments);
    };
    let a = &attachment.props;
    assert_eq!(long(a, PR_ATTACH_METHOD), ATTACH_BY_VALUE);
    assert_eq!(text(a, PR_ATTACH_FILENAME_W), "résumé.txt");
    assert_eq!(text(a, PR_ATTACH_MIME_TAG_W), "text/plain");
    let data = b"Curriculum vitae\nof Anna Schmidt\n";
    assert_eq!(
        get(a, PR_ATTACH_DATA_BIN),
        Some(&PropValue::Binary(data.to_vec()))
    );
    assert_eq!(long(a, PR_ATTACH_SIZE), data.len() as u32);

    let malformed = content
        .message(&key("I", "1700000004.M4P100.fixture"))
        .unwrap()
        .message;
    assert_eq!(text(&malformed.props, PR_SUBJECT_W), "(unreadable message)");
    let body = text(&malformed.props, PR_BODY_W);
    assert!(body.starts_with("This file could not be read as an e-mail message"));
    assert!(body.contains("no header here"));

    let forwarded = content
        .message(&key("I", "1700000005.M5P100.fixture"))
        .unwrap()
        .message;
    assert_eq!(long(&forwarded.props, PR_MSG_STATUS), MSGSTATUS_DELMARKED);
    let [attachment] = &forwarded.attachments[..] else {
        panic!("{:?}", forwarded.attachments);
    };
    assert_eq!(
        long(&attachment.props, PR_ATTACH_METHOD),
        ATTACH_EMBEDDED_MSG
    );
    let embedded = attachment.embedded.as_deref().unwrap();
    assert_eq!(text(&embedded.props, PR_SUBJECT_W), "Pranzo al caffè");
    assert_eq!(text(&embedded.props, PR_SENDER_NAME_W), "Carla Rossi");
    assert_eq!(
        text(&embedded.props, PR_BODY_W).trim(),
        "Ci vediamo alle 13."
    );

    // The other folders' messages.
    let draft = content
        .message(&key("FDrafts", "1700000011.M11P100.fixture"))
        .unwrap()
        .message;
    assert_eq!(
        long(&draft.props, PR_MESSAGE_FLAGS),
        MSGFLAG_READ | MSGFLAG_UNSENT
    );
    let sent = content
        .message(&key("FSent", "1700000010.M10P100.fixture"))
        .unwrap()
        .message;
    assert_eq!(text(&sent.props, PR_SUBJECT_W), "Re: Grüße aus Köln");
    assert_eq!(text(&sent.props, PR_DISPLAY_TO_W), "Jörg Müller");
}

#[test]
fn flags_both_ways() {
    let (dir, content) = open("flags");
    let k = key("I", "1700000001.M1P100.fixture");
    let read = [Property::for_tag(
        PR_MESSAGE_FLAGS,
        PropValue::Long(MSGFLAG_READ),
    )];
    content.set_message_state(&k, &read).unwrap();
    // Out of new/, into cur/ with its info; the key stays.
    assert!(!dir.join("new/1700000001.M1P100.fixture").exists());
    let cur = |flags: &str| {
        dir.join("cur").join(format!(
            "1700000001.M1P100.fixture{INFO_SEPARATOR}2,{flags}"
        ))
    };
    assert!(cur("S").exists());
    let props = content.message(&k).unwrap().message.props;
    assert_eq!(long(&props, PR_MESSAGE_FLAGS), MSGFLAG_READ);

    let state = [
        Property::for_tag(PR_FLAG_STATUS, PropValue::Long(2)),
        Property::for_tag(
            PR_MSG_STATUS,
            PropValue::Long(MSGSTATUS_ANSWERED | MSGSTATUS_DELMARKED),
        ),
    ];
    content.set_message_state(&k, &state).unwrap();
    assert!(cur("FRST").exists());
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let row = content
        .messages(&inbox)
        .unwrap()
        .into_iter()
        .find(|m| m.key == k)
        .unwrap();
    assert_eq!(long(&row.props, PR_FLAG_STATUS), 2);
    // Every state property there, in ID order as every row is (the table takes it unsorted).
    assert!(row.props.is_sorted_by(|a, b| a.id < b.id));
    assert_eq!(
        long(&row.props, PR_MSG_STATUS),
        MSGSTATUS_ANSWERED | MSGSTATUS_DELMARKED
    );
    assert_eq!(long(&row.props, PR_MESSAGE_FLAGS), MSGFLAG_READ);

    let clear = [
        Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(MSGFLAG_UNSENT)),
        Property::for_tag(PR_FLAG_STATUS, PropValue::Long(0)),
        Property::for_tag(PR_MSG_STATUS, PropValue::Long(0)),
    ];
    content.set_message_state(&k, &clear).unwrap();
    assert!(cur("D").exists());
    let summary = content.message_summary(&k).unwrap();
    assert_eq!(long(&summary.props, PR_MESSAGE_FLAGS), MSGFLAG_UNSENT);
    assert_eq!(get(&summary.props, PR_FLAG_STATUS), None);
    // The store's own changes are not others'.
    assert_eq!(content.changes(), []);
}

#[test]
fn crafted_keys_refused() {
    let (dir, content) = open("crafted");
    let before = files(&dir);
    let outside = dir
        .parent()
        .unwrap()
        .join(format!("outside-{}", std::process::id()));
    fs::create_dir_all(outside.join("cur")).unwrap();
    fs::create_dir_all(outside.join("new")).unwrap();
    let folder_keys: Vec<Vec<u8>> = vec![
        b"".to_vec(),
        b"X".to_vec(),
        b"F".to_vec(),
        b"F.".to_vec(),
        b"F..".to_vec(),
        b"F../outside".to_vec(),
        b"F/etc".to_vec(),
        b"F\\windows".to_vec(),
        b"FSent/..".to_vec(),
        b"FSent\0".to_vec(),
        b"FNoSuchFolder".to_vec(),
        b"F\xff\xfe".to_vec(),
        b"FINBOX".to_vec(),
        format!("F{}", outside.display()).into_bytes(),
        format!("F.{}", outside.display()).into_bytes(),
        b"F..\\..\\outside".to_vec(),
        b"FArchive..2023".to_vec(),
    ];
    for k in &folder_keys {
        assert_eq!(
            content.folder(k).map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND),
            "{k:?}"
        );
        assert_eq!(
            content.messages(k).map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert_eq!(
            content.subfolders(k).map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert_eq!(
            content.delete_folder(k).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert!(content.save_message(k, None, &Message::default()).is_err());
    }
    let unique = "1700000002.M2P100.fixture";
    let message_keys: Vec<Vec<u8>> = vec![
        b"I".to_vec(),
        b"I/".to_vec(),
        b"I/.".to_vec(),
        b"I/..".to_vec(),
        b"I/.keep".to_vec(),
        b"I/../cur/x".to_vec(),
        b"I/cur/x".to_vec(),
        b"I\\..\\x".to_vec(),
        format!("I/{unique}{INFO_SEPARATOR}2,S").into_bytes(),
        format!("I/../I/{unique}").into_bytes(),
        format!("R/{unique}").into_bytes(),
        format!("T/{unique}").into_bytes(),
        format!("FSent/{unique}").into_bytes(),
        format!("F../I/{unique}").into_bytes(),
        format!("I/{}", outside.join("new").join("x").display()).into_bytes(),
        b"FSent/../../../etc/passwd".to_vec(),
        b"I/\0".to_vec(),
    ];
    for k in &message_keys {
        assert_eq!(
            content.message(k).map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND),
            "{k:?}"
        );
        assert_eq!(
            content.message_summary(k).map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert_eq!(
            content.delete_message(k).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert_eq!(
            content.set_message_state(k, &[]).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
        assert_eq!(
            content.move_message(k, b"FSent").map(|_| ()).map_err(code),
            Err(MAPI_E_NOT_FOUND)
        );
    }
    // A real message cannot be moved to a crafted folder either.
    let real = key("I", unique);
    for k in &folder_keys {
        assert!(content.move_message(&real, k).is_err(), "{k:?}");
        assert!(content.create_folder(k, "x", &[]).is_err());
    }
    assert_eq!(files(&dir), before, "nothing changed");
    assert!(fs::read_dir(outside.join("cur")).unwrap().next().is_none());
    fs::remove_dir_all(&outside).unwrap();
}

#[test]
fn a_file_that_vanishes() {
    let (dir, content) = open("vanish");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let listed = content.messages(&inbox).unwrap();
    let k = key("I", "1700000002.M2P100.fixture");
    assert!(listed.iter().any(|m| m.key == k));
    let file = dir
        .join("cur")
        .join(format!("1700000002.M2P100.fixture{INFO_SEPARATOR}2,S"));
    // Renamed by another program (a flag): still found by its unique name.
    let renamed = dir
        .join("cur")
        .join(format!("1700000002.M2P100.fixture{INFO_SEPARATOR}2,FS"));
    fs::rename(&file, &renamed).unwrap();
    let props = content.message(&k).unwrap().message.props;
    assert_eq!(long(&props, PR_FLAG_STATUS), 2);
    // Deleted: not found, no panic.
    fs::remove_file(&renamed).unwrap();
    assert_eq!(
        content.message(&k).map(|_| ()).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert_eq!(
        content.delete_message(&k).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert_eq!(
        content.set_message_state(&k, &[]).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert!(!content.messages(&inbox).unwrap().iter().any(|m| m.key == k));
}

/// A message with everything the store writes.
fn sample_message(subject: &str) -> Message {
    let t = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
    let embedded = Message {
        props: vec![
            t(PR_SUBJECT_W, "Inner ünïcode"),
            t(PR_BODY_W, "inner body"),
            t(PR_SENDER_NAME_W, "Inner Sender"),
            t(PR_SENDER_EMAIL_ADDRESS_W, "inner@example.org"),
        ],
        ..Message::default()
    };
    Message {
        props: vec![
            t(PR_SUBJECT_W, subject),
            t(PR_SENDER_NAME_W, "Zoë Sender"),
            t(PR_SENDER_EMAIL_ADDRESS_W, "zoe@example.org"),
            t(PR_BODY_W, "Plain body: naïve café"),
            Property::for_tag(
                PR_HTML,
                PropValue::Binary("<p>HTML body: naïve café</p>".as_bytes().to_vec()),
            ),
            t(PR_INTERNET_MESSAGE_ID_W, "<saved@example.org>"),
            Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(MSGFLAG_READ | MSGFLAG_UNSENT),
            ),
        ],
        recipients: vec![
            vec![
                t(PR_DISPLAY_NAME_W, "Ålice"),
                t(PR_EMAIL_ADDRESS_W, "alice@example.org"),
                Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_TO)),
            ],
            vec![
                t(PR_DISPLAY_NAME_W, "Bob"),
                t(PR_EMAIL_ADDRESS_W, "bob@example.org"),
                Property::for_tag(PR_RECIPIENT_TYPE, PropValue::Long(MAPI_CC)),
            ],
        ],
        attachments: vec![
            Attachment {
                props: vec![
                    Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_BY_VALUE)),
                    t(PR_ATTACH_FILENAME_W, "données.bin"),
                    t(PR_ATTACH_MIME_TAG_W, "application/octet-stream"),
                    Property::for_tag(PR_ATTACH_DATA_BIN, PropValue::Binary((0..=255).collect())),
                ],
                embedded: None,
            },
            Attachment {
                props: vec![
                    Property::for_tag(PR_ATTACH_METHOD, PropValue::Long(ATTACH_EMBEDDED_MSG)),
                    t(PR_DISPLAY_NAME_W, "inner.eml"),
                ],
                embedded: Some(Box::new(embedded)),
            },
        ],
    }
}

#[test]
fn save_round_trip() {
    let (dir, content) = open("save");
    let drafts = content.special_folder(SpecialFolder::Drafts).unwrap();
    let listed = content.messages(&drafts).unwrap().len();
    let k = content
        .save_message(&drafts, None, &sample_message("Entwurf: Größe"))
        .unwrap();
    let m = content.message(&k).unwrap();
    assert_eq!(m.folder, drafts);
    let p = &m.message.props;
    assert_eq!(text(p, PR_SUBJECT_W), "Entwurf: Größe");
    assert_eq!(text(p, PR_SENDER_NAME_W), "Zoë Sender");
    assert_eq!(text(p, PR_SENDER_EMAIL_ADDRESS_W), "zoe@example.org");
    assert_eq!(text(p, PR_INTERNET_MESSAGE_ID_W), "<saved@example.org>");
    assert_eq!(text(p, PR_BODY_W).trim(), "Plain body: naïve café");
    assert_eq!(
        long(p, PR_MESSAGE_FLAGS),
        MSGFLAG_READ | MSGFLAG_UNSENT | MSGFLAG_HASATTACH
    );
    let Some(PropValue::Binary(html)) = get(p, PR_HTML) else {
        panic!()
    };
    assert!(String::from_utf8_lossy(html).contains("naïve café"));
    assert_eq!(text(p, PR_DISPLAY_TO_W), "Ålice");
    assert_eq!(text(p, PR_DISPLAY_CC_W), "Bob");
    assert_eq!(m.message.recipients.len(), 2);
    let [bin, inner] = &m.message.attachments[..] else {
        panic!("{:?}", m.message.attachments.len());
    };
    assert_eq!(text(&bin.props, PR_ATTACH_FILENAME_W), "données.bin");
    assert_eq!(
        get(&bin.props, PR_ATTACH_DATA_BIN),
        Some(&PropValue::Binary((0..=255).collect()))
    );
    assert_eq!(long(&inner.props, PR_ATTACH_METHOD), ATTACH_EMBEDDED_MSG);
    let inner = inner.embedded.as_deref().unwrap();
    assert_eq!(text(&inner.props, PR_SUBJECT_W), "Inner ünïcode");
    assert_eq!(text(&inner.props, PR_BODY_W).trim(), "inner body");
    // Flags: into cur/ with D and S.
    let unique = std::str::from_utf8(&k[k.iter().position(|&b| b == b'/').unwrap() + 1..]).unwrap();
    assert!(
        dir.join(".Drafts/cur")
            .join(format!("{unique}{INFO_SEPARATOR}2,DS"))
            .exists()
    );
    assert_eq!(content.messages(&drafts).unwrap().len(), listed + 1);

    // Saving again replaces it under the same name, so its key stays: one rename over it.
    let k2 = content
        .save_message(&drafts, Some(&k), &sample_message("Second version"))
        .unwrap();
    assert_eq!(k2, k);
    assert_eq!(
        text(&content.message(&k).unwrap().message.props, PR_SUBJECT_W),
        "Second version"
    );
    assert_eq!(content.messages(&drafts).unwrap().len(), listed + 1);
    let named: Vec<_> = fs::read_dir(dir.join(".Drafts/cur"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with(unique)
        })
        .collect();
    assert_eq!(named.len(), 1, "one file of that name");
    // A message without flags is delivered into new/.
    let plain = Message {
        props: vec![Property::for_tag(
            PR_SUBJECT_W,
            PropValue::Unicode("new mail".into()),
        )],
        ..Message::default()
    };
    let k3 = content.save_message(b"I", None, &plain).unwrap();
    let unique = std::str::from_utf8(&k3[2..]).unwrap();
    assert!(dir.join("new").join(unique).exists());
    assert!(
        fs::read_dir(dir.join("tmp"))
            .unwrap()
            .all(|e| e.unwrap().file_name() != unique)
    );
    assert_eq!(content.changes(), []);
}

#[test]
fn crash_safety_of_delivery() {
    let (dir, content) = open("crash");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let before = content.messages(&inbox).unwrap();
    // Killed after the write to tmp/, before the rename: the file is whole in tmp/, and no
    // reader lists it.
    let bytes = b"Subject: half delivered\r\n\r\nbody\r\n";
    let pending = TmpFile::write(&dir, bytes).unwrap();
    let tmp_path = dir.join("tmp").join(pending.unique());
    assert_eq!(fs::read(&tmp_path).unwrap(), bytes);
    // A partial file another program left in tmp/ is not listed either.
    fs::write(dir.join("tmp").join("1.partial.host"), b"Subject: trunc").unwrap();
    assert_eq!(content.messages(&inbox).unwrap(), before);
    let reopened = MaildirContent::open(&dir).unwrap();
    assert_eq!(reopened.messages(&inbox).unwrap(), before);
    assert_eq!(content.changes(), []);

    // What a crash left in tmp/ long ago is removed when a store opens the Maildir; recent
    // files stay (a delivery may still be writing them).
    let stale = dir.join("tmp").join("1.stale.host");
    fs::write(&stale, b"Subject: stale").unwrap();
    let long_ago = std::time::SystemTime::now() - maildir::STALE_TMP * 2;
    fs::File::options()
        .write(true)
        .open(&stale)
        .unwrap()
        .set_modified(long_ago)
        .unwrap();
    MaildirContent::open(&dir).unwrap();
    assert!(!stale.exists());
    assert!(tmp_path.exists());

    // The rename completes the delivery: the message appears whole, as others' change.
    let unique = pending.unique().to_owned();
    pending.deliver(&dir, None).unwrap();
    assert!(!tmp_path.exists());
    let k = key("I", &unique);
    assert_eq!(
        content.changes(),
        [ContentChange::MessageAdded {
            folder: inbox.clone(),
            key: k.clone()
        }]
    );
    let m = content.message(&k).unwrap().message;
    assert_eq!(text(&m.props, PR_SUBJECT_W), "half delivered");

    // Killed after a replacing save's rename, before the old file's removal: both are there,
    // both whole; nothing lost.
    let old = key("I", "1700000002.M2P100.fixture");
    let replacement = TmpFile::write(&dir, b"Subject: replacement\r\n\r\nnew\r\n").unwrap();
    let new_unique = replacement.unique().to_owned();
    replacement.deliver(&dir, Some("S")).unwrap();
    let listed: Vec<Vec<u8>> = content
        .messages(&inbox)
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert!(listed.contains(&old));
    assert!(listed.contains(&key("I", &new_unique)));
    assert_eq!(
        text(&content.message(&old).unwrap().message.props, PR_SUBJECT_W),
        "日本語のお知らせ"
    );
}

#[test]
fn concurrent_writers() {
    let (dir, content) = open("concurrent");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let before = content.messages(&inbox).unwrap().len();
    const EACH: usize = 20;
    let keys: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let writers: Vec<_> = (0..2)
            .map(|writer| {
                let content = &content;
                let inbox = &inbox;
                scope.spawn(move || {
                    (0..EACH)
                        .map(|n| {
                            let subject = format!("writer {writer} message {n}");
                            let message = Message {
                                props: vec![Property::for_tag(
                                    PR_SUBJECT_W,
                                    PropValue::Unicode(subject.into()),
                                )],
                                ..Message::default()
                            };
                            content.save_message(inbox, None, &message).unwrap()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        writers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let distinct: HashSet<&Vec<u8>> = keys.iter().collect();
    assert_eq!(distinct.len(), 2 * EACH);
    let listed = content.messages(&inbox).unwrap();
    assert_eq!(listed.len(), before + 2 * EACH);
    let subjects: HashSet<String> = listed
        .iter()
        .map(|m| text(&m.props, PR_SUBJECT_W).to_owned())
        .collect();
    for writer in 0..2 {
        for n in 0..EACH {
            assert!(subjects.contains(&format!("writer {writer} message {n}")));
        }
    }
    // A second store on the same Maildir (another process) sees them all too.
    let other = MaildirContent::open(&dir).unwrap();
    assert_eq!(other.messages(&inbox).unwrap().len(), before + 2 * EACH);
}

#[test]
fn others_changes_reported() {
    let (dir, content) = open("changes");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    content.messages(&inbox).unwrap();
    assert_eq!(content.changes(), []);
    // Another program delivers: tmp/, then new/.
    let unique = "1800000000.P999_external.host";
    fs::write(
        dir.join("tmp").join(unique),
        b"Subject: external\r\n\r\nhi\r\n",
    )
    .unwrap();
    fs::rename(dir.join("tmp").join(unique), dir.join("new").join(unique)).unwrap();
    let k = key("I", unique);
    assert_eq!(
        content.changes(),
        [ContentChange::MessageAdded {
            folder: inbox.clone(),
            key: k.clone()
        }]
    );
    assert_eq!(content.changes(), []);
    assert_eq!(
        text(&content.message_summary(&k).unwrap().props, PR_SUBJECT_W),
        "external"
    );
    // ... marks it read (new/ -> cur/ with S) ...
    let seen = format!("{unique}{INFO_SEPARATOR}2,S");
    fs::rename(dir.join("new").join(unique), dir.join("cur").join(&seen)).unwrap();
    assert_eq!(
        content.changes(),
        [ContentChange::MessageModified {
            folder: inbox.clone(),
            key: k.clone()
        }]
    );
    // ... deletes it ...
    fs::remove_file(dir.join("cur").join(&seen)).unwrap();
    assert_eq!(
        content.changes(),
        [ContentChange::MessageDeleted {
            folder: inbox.clone(),
            key: k
        }]
    );
    // ... and creates a folder.
    maildir::create_folder(&dir, "Newsletters").unwrap();
    assert_eq!(
        content.changes(),
        [ContentChange::FolderAdded {
            parent: content.special_folder(SpecialFolder::IpmSubtree).unwrap(),
            key: b"FNewsletters".to_vec(),
        }]
    );
    fs::remove_dir_all(dir.join(".Newsletters")).unwrap();
    assert_eq!(
        content.changes(),
        [ContentChange::FolderDeleted {
            parent: content.special_folder(SpecialFolder::IpmSubtree).unwrap(),
            key: b"FNewsletters".to_vec(),
        }]
    );
}

#[test]
fn message_moves_and_deletes() {
    let (dir, content) = open("moves");
    let sent = content.special_folder(SpecialFolder::SentItems).unwrap();
    let k = key("I", "1700000001.M1P100.fixture");
    let moved = content.move_message(&k, &sent).unwrap();
    assert_eq!(moved, key("FSent", "1700000001.M1P100.fixture"));
    assert!(
        dir.join(".Sent/cur")
            .join(format!("1700000001.M1P100.fixture{INFO_SEPARATOR}2,"))
            .exists()
    );
    assert_eq!(
        content.message(&k).map(|_| ()).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert_eq!(content.message(&moved).unwrap().folder, sent);
    assert_eq!(content.messages(&sent).unwrap().len(), 2);
    content.delete_message(&moved).unwrap();
    assert_eq!(content.messages(&sent).unwrap().len(), 1);
    assert_eq!(
        content.message(&moved).map(|_| ()).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert_eq!(content.changes(), []);
}

#[test]
fn folder_operations() {
    let (dir, content) = open("folder-ops");
    let ipm = content.special_folder(SpecialFolder::IpmSubtree).unwrap();
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let created = content
        .create_folder(&ipm, "Rechnungen & Belege ✓", &[])
        .unwrap();
    assert_eq!(
        text(&created.props, PR_DISPLAY_NAME_W),
        "Rechnungen & Belege ✓"
    );
    assert_eq!(created.parent.as_deref(), Some(&ipm[..]));
    assert!(dir.join(".Rechnungen &- Belege &JxM-").join("cur").is_dir());
    assert_eq!(content.folder(&created.key).unwrap(), created);
    assert_eq!(
        content
            .create_folder(&ipm, "Rechnungen & Belege ✓", &[])
            .map(|_| ())
            .map_err(code),
        Err(MAPI_E_COLLISION)
    );
    assert_eq!(
        content
            .create_folder(&ipm, "inbox", &[])
            .map(|_| ())
            .map_err(code),
        Err(MAPI_E_COLLISION)
    );
    for bad in ["", "a.b", "a/b", "a\\b", "..", "tab\there"] {
        assert_eq!(
            content
                .create_folder(&ipm, bad, &[])
                .map(|_| ())
                .map_err(code),
            Err(MAPI_E_INVALID_PARAMETER),
            "{bad:?}"
        );
    }
    assert_eq!(
        content
            .create_folder(&content.root(), "x", &[])
            .map(|_| ())
            .map_err(code),
        Err(MAPI_E_NO_ACCESS)
    );
    // Below the Inbox: `.INBOX.Name`.
    let below_inbox = content.create_folder(&inbox, "Lists", &[]).unwrap();
    assert!(dir.join(".INBOX.Lists").join("new").is_dir());
    assert_eq!(names(&content.subfolders(&inbox).unwrap()), ["Lists"]);
    assert_eq!(below_inbox.parent.as_deref(), Some(&inbox[..]));

    // Move Archive (with 2023) below Projects, renamed.
    let archive = b"FArchive".to_vec();
    assert_eq!(
        content
            .move_folder(&archive, b"FArchive.2023", None)
            .map(|_| ())
            .map_err(code),
        Err(MAPI_E_FOLDER_CYCLE)
    );
    let moved = content
        .move_folder(&archive, b"FProjects", Some("Old"))
        .unwrap();
    assert_eq!(moved.key, b"FProjects.Old");
    assert!(dir.join(".Projects.Old.2023").join("cur").is_dir());
    assert!(!dir.join(".Archive").exists());
    let below = content.subfolders(&moved.key).unwrap();
    assert_eq!(names(&below), ["2023"]);
    assert_eq!(content.messages(&below[0].key).unwrap().len(), 1);
    assert_eq!(
        content
            .move_folder(&inbox, &ipm, None)
            .map(|_| ())
            .map_err(code),
        Err(MAPI_E_NO_ACCESS)
    );

    // Delete Projects with all below it.
    content.delete_folder(b"FProjects").unwrap();
    for gone in [".Projects.Rust", ".Projects.Old", ".Projects.Old.2023"] {
        assert!(!dir.join(gone).exists(), "{gone}");
    }
    assert!(!names(&content.subfolders(&ipm).unwrap()).contains(&"Projects"));
    assert_eq!(
        content.delete_folder(&inbox).map_err(code),
        Err(MAPI_E_NO_ACCESS)
    );
    assert_eq!(content.changes(), []);
}

/// Folder `key`'s properties with `PR_DISPLAY_NAME_W` `name`, as the runtime passes them to
/// `set_folder_props` for a rename.
fn renamed(content: &MaildirContent, key: &[u8], name: &str) -> Vec<Property> {
    let mut props = content.folder(key).unwrap().props;
    props.retain(|p| p.tag() != PR_DISPLAY_NAME_W);
    props.push(Property::for_tag(
        PR_DISPLAY_NAME_W,
        PropValue::Unicode(name.into()),
    ));
    props
}

#[test]
fn a_new_name_renames_the_directories_below_any_parent_under_a_new_key() {
    let (dir, content) = open("rename");
    // Projects exists only as `.Projects.Rust`'s parent: its child moves, and the renamed
    // folder has the comment given with the name, in a directory of its own.
    let mut props = renamed(&content, b"FProjects", "Vorhaben");
    let comment = Property::for_tag(PR_COMMENT_W, PropValue::Unicode("alt".into()));
    props.push(comment.clone());
    let folder = content.set_folder_props(b"FProjects", &props).unwrap();
    assert_eq!(folder.key, b"FVorhaben");
    assert_eq!(text(&folder.props, PR_DISPLAY_NAME_W), "Vorhaben");
    assert_eq!(get(&folder.props, PR_COMMENT_W), Some(&comment.value));
    assert!(dir.join(".Vorhaben").join(PROPS_FILE).is_file());
    assert!(dir.join(".Vorhaben.Rust").join("new").is_dir());
    assert!(!dir.join(".Projects.Rust").exists());
    assert_eq!(
        content.folder(b"FProjects").map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    let below = content.subfolders(b"FVorhaben").unwrap();
    assert_eq!(names(&below), ["Rust"]);
    assert_eq!(content.messages(&below[0].key).unwrap().len(), 1);

    // Below the Inbox: `.INBOX.Name`, in modified UTF-7 (a name of two UTF-16 units too).
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let lists = content.create_folder(&inbox, "Lists", &[]).unwrap();
    let name = "Listen \u{1F4EC}";
    let folder = content
        .set_folder_props(&lists.key, &renamed(&content, &lists.key, name))
        .unwrap();
    assert_eq!(folder.parent.as_deref(), Some(&inbox[..]));
    assert_eq!(text(&folder.props, PR_DISPLAY_NAME_W), name);
    assert_eq!(folder.key, b"FINBOX.Listen &2D3c7A-");
    assert!(dir.join(".INBOX.Listen &2D3c7A-").join("cur").is_dir());

    // Only the case changes: the folder itself is no collision, and the directories take the
    // new name on a file system that ignores case too.
    let folder = content
        .set_folder_props(b"FVorhaben", &renamed(&content, b"FVorhaben", "vorhaben"))
        .unwrap();
    assert_eq!(text(&folder.props, PR_DISPLAY_NAME_W), "vorhaben");
    assert_eq!(names(&content.subfolders(&folder.key).unwrap()), ["Rust"]);
    let listed: Vec<String> = fs::read_dir(&*dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.to_lowercase().starts_with(".vorhaben"))
        .collect();
    assert_eq!(
        listed.iter().collect::<HashSet<_>>(),
        HashSet::from([&".vorhaben".to_owned(), &".vorhaben.Rust".to_owned()])
    );
    // The same name again renames nothing, and writes the other properties in place.
    let same = content
        .set_folder_props(&folder.key, &folder.props)
        .unwrap();
    assert_eq!(same, folder);
    assert_eq!(content.changes(), []);
}

#[test]
fn counts_from_file_names_agree_with_the_listing() {
    let (_dir, content) = open("counts");
    let mut folders = vec![content.root()];
    let mut seen = 0;
    while let Some(folder) = folders.pop() {
        folders.extend(
            content
                .subfolders(&folder)
                .unwrap()
                .into_iter()
                .map(|f| f.key),
        );
        // Counted before any listing (no index yet), then compared with one.
        let counted = content.message_counts(&folder).unwrap();
        let messages = content.messages(&folder).unwrap();
        let unread = messages
            .iter()
            .filter(|m| long(&m.props, PR_MESSAGE_FLAGS) & MSGFLAG_READ == 0)
            .count();
        assert_eq!(counted, (messages.len() as u32, unread as u32));
        seen += messages.len();
    }
    assert!(seen > 0, "the fixture has messages");
    // The Inbox: five messages; unread are the one in new/ (no flags) and the two in cur/
    // without S (no flags; T only).
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    assert_eq!(content.message_counts(&inbox).unwrap(), (5, 3));
}

/// A count reads the folder's names, which its first listing takes instead of reading the
/// directories again while they are unchanged; a message delivered between the two is listed
/// all the same.
#[test]
fn listing_after_a_count_sees_a_delivery() {
    let dir = fixture("count-then-list");
    // The directories' mtimes an hour back (where a directory can be opened as a file), so
    // that the count's names are current, not within the mtimes' granularity.
    let age = || {
        #[cfg(unix)]
        for sub in ["new", "cur"] {
            let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
            fs::File::open(dir.join(sub))
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
    };
    age();
    let content = MaildirContent::open(&dir).unwrap();
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    assert_eq!(content.message_counts(&inbox).unwrap(), (5, 3));
    assert_eq!(content.messages(&inbox).unwrap().len(), 5);

    age();
    let content = MaildirContent::open(&dir).unwrap();
    assert_eq!(content.message_counts(&inbox).unwrap(), (5, 3));
    fs::write(
        dir.join("new").join("1700000099.M99P100.late"),
        b"Subject: late\r\n\r\nDelivered after the count.\r\n",
    )
    .unwrap();
    let listed = content.messages(&inbox).unwrap();
    assert_eq!(listed.len(), 6);
    assert!(
        listed
            .iter()
            .any(|m| text(&m.props, PR_SUBJECT_W) == "late")
    );
    // Delivered after the count: a change, which the listing reports.
    assert_eq!(
        content.changes(),
        [ContentChange::MessageAdded {
            folder: inbox.clone(),
            key: key("I", "1700000099.M99P100.late"),
        }]
    );
}

/// A folder only counted (a hierarchy view shows it, no listing indexed it) reports others'
/// deliveries, flag changes and removals, and not the store's own writes.
#[test]
fn a_folder_only_counted_reports_others_changes_not_its_own() {
    let (dir, content) = open("counted");
    let sent = content.special_folder(SpecialFolder::SentItems).unwrap();
    let trash = content.special_folder(SpecialFolder::DeletedItems).unwrap();
    assert_eq!(content.message_counts(&sent).unwrap(), (1, 0));
    assert_eq!(content.message_counts(&trash).unwrap(), (0, 0));
    assert_eq!(content.changes(), []);

    // Others': delivered, read (renamed into cur/ with S), removed.
    let unique = "1800000000.M1P1.other";
    let delivered = key("FSent", unique);
    fs::write(
        dir.join(".Sent/new").join(unique),
        b"Subject: x\r\n\r\nx\r\n",
    )
    .unwrap();
    let added = ContentChange::MessageAdded {
        folder: sent.clone(),
        key: delivered.clone(),
    };
    assert_eq!(content.changes(), [added]);
    assert_eq!(content.message_counts(&sent).unwrap(), (2, 1));
    let read = dir.join(".Sent/cur").join(maildir::file_name(unique, "S"));
    fs::rename(dir.join(".Sent/new").join(unique), &read).unwrap();
    let modified = ContentChange::MessageModified {
        folder: sent.clone(),
        key: delivered.clone(),
    };
    assert_eq!(content.changes(), [modified]);
    fs::remove_file(&read).unwrap();
    let deleted = ContentChange::MessageDeleted {
        folder: sent.clone(),
        key: delivered,
    };
    assert_eq!(content.changes(), [deleted]);
    assert_eq!(content.message_counts(&sent).unwrap(), (1, 0));

    // The store's own: a save, a flag change, a move, a delete.
    let saved = content
        .save_message(&sent, None, &sample_message("own"))
        .unwrap();
    assert_eq!(content.message_counts(&sent).unwrap().0, 2);
    content
        .set_message_state(
            &saved,
            &[Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(MSGFLAG_READ),
            )],
        )
        .unwrap();
    let moved = content.move_message(&saved, &trash).unwrap();
    assert_eq!(content.message_counts(&trash).unwrap(), (1, 0));
    content.delete_message(&moved).unwrap();
    assert_eq!(content.changes(), []);
    assert_eq!(content.message_counts(&sent).unwrap(), (1, 0));
    assert_eq!(content.message_counts(&trash).unwrap(), (0, 0));
}

/// A folder's index survives the store (its index file, written at flush): a store opened
/// again lists the folder from it, reading no message whose file is unchanged; a file changed
/// since is read again; a damaged index file is ignored, and written anew at the next flush.
#[test]
fn the_index_is_kept_between_logons_and_checked_against_the_files() {
    let dir = fixture("kept-index");
    // The copies' mtimes an hour back: a file read within the mtimes' granularity of the
    // flush is read again by the next store whatever its index says (see the next test).
    let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for sub in ["new", "cur"] {
        for entry in fs::read_dir(dir.join(sub)).unwrap() {
            let file = fs::File::options()
                .write(true)
                .open(entry.unwrap().path())
                .unwrap();
            file.set_modified(hour_ago).unwrap();
        }
    }
    let content = MaildirContent::open(&dir).unwrap();
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let ipm = content.special_folder(SpecialFolder::IpmSubtree).unwrap();
    let subjects = |content: &MaildirContent| -> Vec<String> {
        let mut subjects: Vec<String> = content
            .messages(&inbox)
            .unwrap()
            .iter()
            .map(|m| text(&m.props, PR_SUBJECT_W).to_owned())
            .collect();
        subjects.sort();
        subjects
    };
    let folders = |content: &MaildirContent| {
        names(&content.subfolders(&ipm).unwrap())
            .into_iter()
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let listed = subjects(&content);
    let sent = content.special_folder(SpecialFolder::SentItems).unwrap();
    assert_eq!(content.messages(&sent).unwrap().len(), 1);
    let folder_names = folders(&content);
    content.flush().unwrap();
    drop(content);
    assert!(dir.join(INDEX_FILE).is_file());
    assert!(dir.join(".Sent").join(INDEX_FILE).is_file());

    // Rewritten by another program with the same size and mtime: nothing tells the index it
    // changed, so a listing that shows the old subject did not read the file.
    let application = dir
        .join("cur")
        .join(maildir::file_name("1700000003.M3P100.fixture", "FRS"));
    // Its text replaced by another of the same length, its mtime put back.
    let rewrite = |from: &str, to: &str| {
        let modified = fs::metadata(&application).unwrap().modified().unwrap();
        let bytes = fs::read_to_string(&application).unwrap();
        fs::write(&application, bytes.replace(from, to)).unwrap();
        let file = fs::File::options().write(true).open(&application).unwrap();
        file.set_modified(modified).unwrap();
    };
    rewrite("Subject: Application", "Subject: Substituted");
    // Changed by another program (size and mtime): read again.
    let lunch = dir
        .join("cur")
        .join(maildir::file_name("1700000005.M5P100.fixture", "T"));
    let bytes = fs::read_to_string(&lunch).unwrap();
    fs::write(
        &lunch,
        bytes.replacen("Subject: Fwd: Lunch", "Subject: Fwd: Brunch", 1),
    )
    .unwrap();

    let content = MaildirContent::open(&dir).unwrap();
    let again = subjects(&content);
    assert!(again.contains(&"Application".to_owned()), "{again:?}");
    assert!(again.contains(&"Fwd: Brunch".to_owned()), "{again:?}");
    assert_eq!(again.len(), listed.len());
    // The index files are no folders (nor are they messages).
    assert_eq!(folders(&content), folder_names);
    assert_eq!(content.changes(), []);
    content.flush().unwrap();
    drop(content);

    // Damaged: cut short, then garbage. Ignored: every file is read again.
    for damage in [Damage::Truncated, Damage::Garbage] {
        let index = dir.join(INDEX_FILE);
        let whole = fs::read(&index).unwrap();
        match damage {
            Damage::Truncated => fs::write(&index, &whole[..whole.len() / 2]).unwrap(),
            Damage::Garbage => {
                let mut bytes = whole.clone();
                let middle = bytes.len() / 2;
                bytes[middle] ^= 0x55;
                fs::write(&index, bytes).unwrap();
            }
        }
        let content = MaildirContent::open(&dir).unwrap();
        let read = subjects(&content);
        assert!(read.contains(&"Substituted".to_owned()), "{read:?}");
        assert_eq!(read.len(), listed.len());
        content.flush().unwrap();
        drop(content);
        // Written anew, whole: the next store takes the subject from it, not from the file.
        rewrite("Subject: Substituted", "Subject: Application");
        let content = MaildirContent::open(&dir).unwrap();
        assert!(subjects(&content).contains(&"Substituted".to_owned()));
        drop(content);
        rewrite("Subject: Application", "Subject: Substituted");
    }
}

/// A message file whose mtime is within the mtime granularity of the flush that saves its
/// entry could still be rewritten without changing its mtime: the next store reads it again.
#[test]
fn a_file_changed_just_before_the_flush_is_read_again() {
    let (dir, content) = open("racy-index");
    let inbox = content.special_folder(SpecialFolder::Inbox).unwrap();
    let fresh = dir.join("new").join("1800000000.M1P1.racy");
    fs::write(&fresh, b"Subject: before\r\n\r\nx\r\n").unwrap();
    let subjects = |content: &MaildirContent| -> Vec<String> {
        content
            .messages(&inbox)
            .unwrap()
            .iter()
            .map(|m| text(&m.props, PR_SUBJECT_W).to_owned())
            .collect()
    };
    assert!(subjects(&content).contains(&"before".to_owned()));
    content.flush().unwrap();
    drop(content);
    // Rewritten in the same tick, as far as its mtime tells.
    let modified = fs::metadata(&fresh).unwrap().modified().unwrap();
    fs::write(&fresh, b"Subject: after!\r\n\r\nx\r\n").unwrap();
    let file = fs::File::options().write(true).open(&fresh).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    let content = MaildirContent::open(&dir).unwrap();
    let read = subjects(&content);
    assert!(read.contains(&"after!".to_owned()), "{read:?}");
}

enum Damage {
    Truncated,
    Garbage,
}

/// A save that changes a message's flags writes the new file, then removes the old one: cut
/// short between the two, it leaves two whole files of one unique name. The listing shows one,
/// always the same (the newer: the save's), counts it once, and the store's next write
/// removes the other, so that deleting the message does not bring the old one back.
#[test]
fn a_flag_resave_cut_short_shows_the_newer_file_and_the_next_write_removes_the_older() {
    let dir = fixture("resave-crash");
    let unique = "1700000004.M4P100.fixture";
    let old = dir.join("cur").join(maildir::file_name(unique, ""));
    let saved = dir.join("cur").join(maildir::file_name(unique, "FS"));
    fs::copy(&old, &saved).unwrap();
    let old_source = dir.join("old-copy");
    fs::copy(&old, &old_source).unwrap();
    let age = |path: &Path, seconds: u64| {
        let then = std::time::SystemTime::now() - std::time::Duration::from_secs(seconds);
        let file = fs::File::options().write(true).open(path).unwrap();
        file.set_modified(then).unwrap();
    };
    let inbox = b"I".to_vec();
    let message = key("I", unique);
    // The message's flags as listed by a store opened now, and the Inbox's counts.
    let look = || {
        let content = MaildirContent::open(&dir).unwrap();
        let rows = content.messages(&inbox).unwrap();
        let rows: Vec<_> = rows.iter().filter(|row| row.key == message).collect();
        assert_eq!(rows.len(), 1, "listed once");
        let flags = long(&rows[0].props, PR_MESSAGE_FLAGS);
        (flags, content.message_counts(&inbox).unwrap(), content)
    };

    // The save's file is the newer: read and flagged.
    age(&old, 7200);
    age(&saved, 3600);
    let (flags, counts, _) = look();
    assert_ne!(flags & MSGFLAG_READ, 0);
    assert_eq!(counts, (5, 2));
    // Whichever is newer shows, whatever the order the directory lists them in.
    age(&saved, 10800);
    let (flags, counts, content) = look();
    assert_eq!(flags & MSGFLAG_READ, 0);
    assert_eq!(counts, (5, 3));

    // The next write (to another message) removes the hidden one; the shown one stays.
    content
        .set_message_state(
            &key("I", "1700000005.M5P100.fixture"),
            &[Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(MSGFLAG_READ),
            )],
        )
        .unwrap();
    assert!(old.exists());
    assert!(!saved.exists());
    // Deleted, it is gone: nothing of it left to show.
    content.delete_message(&message).unwrap();
    let content = MaildirContent::open(&dir).unwrap();
    assert!(
        content
            .messages(&inbox)
            .unwrap()
            .iter()
            .all(|row| row.key != message)
    );

    // Cut short again, the hidden file named as the next save names its file (read): that
    // save keeps its own file, and the other goes.
    let hidden = dir.join("cur").join(maildir::file_name(unique, "S"));
    let bytes = fs::read(&old_source).unwrap();
    fs::write(&hidden, &bytes).unwrap();
    fs::write(&saved, &bytes).unwrap();
    age(&hidden, 7200);
    age(&saved, 3600);
    let (_, _, content) = look();
    let mut read = sample_message("saved again");
    read.props.retain(|p| p.tag() != PR_MESSAGE_FLAGS);
    read.props.push(Property::for_tag(
        PR_MESSAGE_FLAGS,
        PropValue::Long(MSGFLAG_READ),
    ));
    content.save_message(&inbox, Some(&message), &read).unwrap();
    let left: Vec<PathBuf> = files(&dir)
        .into_iter()
        .filter(|path| path.to_string_lossy().contains(unique))
        .collect();
    assert_eq!(left, std::slice::from_ref(&hidden), "one file, the save's");
    assert!(fs::read_to_string(&hidden).unwrap().contains("saved again"));
}

/// An associated message (what the runtime saves for `CreateMessage(MAPI_ASSOCIATED)`), with a
/// named property, a recipient and an attachment.
fn associated_message(subject: &str) -> Message {
    Message {
        props: vec![
            Property::for_tag(PR_SUBJECT_W, PropValue::Unicode(subject.into())),
            Property::for_tag(
                PR_MESSAGE_FLAGS,
                PropValue::Long(MSGFLAG_ASSOCIATED | MSGFLAG_READ),
            ),
            Property::new(0x8003, PropValue::Binary(vec![0, 1, 2, 0])),
        ],
        recipients: vec![vec![Property::for_tag(
            PR_DISPLAY_NAME_W,
            PropValue::Unicode("Ann".into()),
        )]],
        attachments: vec![Attachment {
            props: vec![Property::for_tag(
                PR_ATTACH_DATA_BIN,
                PropValue::Binary(vec![9; 40]),
            )],
            embedded: None,
        }],
    }
}

/// Every file below `dir` with its bytes.
fn contents_of(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files(dir)
        .into_iter()
        .map(|path| {
            let bytes = fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

#[test]
fn associated_messages_saved_listed_changed_moved_and_deleted() {
    let (dir, content) = open("associated");
    assert!(content.supports_associated());
    let view = associated_message("view");
    let key = content.save_message(b"FSent", None, &view).unwrap();
    assert_eq!(key, b"FSent/.0");
    assert!(dir.join(".Sent").join(ASSOCIATED_FILE).is_file());
    // Not a message of the folder's contents, and no message file.
    let listed = content.associated_messages(b"FSent").unwrap();
    assert_eq!((listed.len(), &listed[0].key), (1, &key));
    assert!(
        content
            .messages(b"FSent")
            .unwrap()
            .iter()
            .all(|m| m.key != key)
    );
    let stored = content.message(&key).unwrap();
    assert_eq!(
        (stored.folder.as_slice(), &stored.message),
        (&b"FSent"[..], &view)
    );
    // Saved again in place; state changes keep it associated.
    let mut changed = view.clone();
    changed.props[0] = Property::for_tag(PR_SUBJECT_W, PropValue::Unicode("view 2".into()));
    assert_eq!(
        content
            .save_message(b"FSent", Some(&key), &changed)
            .unwrap(),
        key
    );
    let unread = Property::for_tag(PR_MESSAGE_FLAGS, PropValue::Long(0));
    content.set_message_state(&key, &[unread]).unwrap();
    let summary = content.message_summary(&key).unwrap();
    assert_eq!(long(&summary.props, PR_MESSAGE_FLAGS), MSGFLAG_ASSOCIATED);
    assert_eq!(text(&summary.props, PR_SUBJECT_W), "view 2");
    // The root and the IPM subtree keep theirs too (Outlook's common views are there).
    let at_root = content.save_message(b"R", None, &view).unwrap();
    assert_eq!(content.message(&at_root).unwrap().message, view);
    assert!(dir.join(format!("{ASSOCIATED_FILE}.root")).is_file());
    // Copied and moved: a new number in the other folder; a number is never given twice.
    let copy = content.copy_message(&key, b"I").unwrap();
    assert_eq!(copy, b"I/.0");
    let moved = content.move_message(&key, b"I").unwrap();
    assert_eq!(moved, b"I/.1");
    assert_eq!(
        content.message(&key).map(|_| ()).map_err(code),
        Err(MAPI_E_NOT_FOUND)
    );
    assert!(content.associated_messages(b"FSent").unwrap().is_empty());
    content.delete_message(&copy).unwrap();
    let again = content.save_message(b"I", None, &view).unwrap();
    assert_eq!(
        again, b"I/.2",
        "the deleted message's number is not given again"
    );
    let keys: Vec<Vec<u8>> = content
        .associated_messages(b"I")
        .unwrap()
        .into_iter()
        .map(|m| m.key)
        .collect();
    assert_eq!(keys, [b"I/.1".to_vec(), b"I/.2".to_vec()]);
}

#[test]
fn crafted_associated_keys_reach_nothing() {
    let (dir, content) = open("crafted-associated");
    let real = content
        .save_message(b"FSent", None, &associated_message("view"))
        .unwrap();
    let before = contents_of(&dir);
    let outside = dir
        .parent()
        .unwrap()
        .join(format!("outside-associated-{}", std::process::id()));
    fs::create_dir_all(&outside).unwrap();
    let keys: Vec<Vec<u8>> = vec![
        b"FSent/.".to_vec(),
        b"FSent/.00".to_vec(),
        b"FSent/.+0".to_vec(),
        b"FSent/.-0".to_vec(),
        b"FSent/. 0".to_vec(),
        b"FSent/.0 ".to_vec(),
        b"FSent/.0\0".to_vec(),
        b"FSent/..0".to_vec(),
        b"FSent/.1".to_vec(),
        b"FSent/.4294967296".to_vec(),
        b"FSent/.0/../x".to_vec(),
        b"FSent/.\xd9\xa0".to_vec(),
        b"I/.0".to_vec(),
        b"F../FSent/.0".to_vec(),
        b"F..\\Sent/.0".to_vec(),
        b"FNoSuchFolder/.0".to_vec(),
        b"FSent.x/.0".to_vec(),
        format!("F{}/.0", outside.display()).into_bytes(),
        format!("F.{}/.0", outside.display()).into_bytes(),
    ];
    for k in &keys {
        let not_found = Err(MAPI_E_NOT_FOUND);
        assert_eq!(
            content.message(k).map(|_| ()).map_err(code),
            not_found,
            "{k:?}"
        );
        assert_eq!(
            content.message_summary(k).map(|_| ()).map_err(code),
            not_found
        );
        assert_eq!(content.delete_message(k).map_err(code), not_found);
        assert_eq!(content.set_message_state(k, &[]).map_err(code), not_found);
        assert_eq!(
            content.move_message(k, b"I").map(|_| ()).map_err(code),
            not_found
        );
        assert_eq!(
            content.copy_message(k, b"I").map(|_| ()).map_err(code),
            not_found
        );
        let saved = content.save_message(b"FSent", Some(k), &associated_message("x"));
        assert_eq!(saved.map(|_| ()).map_err(code), not_found, "{k:?}");
    }
    // A message's key saved into another folder names nothing there.
    let elsewhere = content.save_message(b"I", Some(&real), &associated_message("x"));
    assert_eq!(elsewhere.map(|_| ()).map_err(code), Err(MAPI_E_NOT_FOUND));
    // Nor does a real message go to a crafted folder.
    for folder in [
        &b"F.."[..],
        b"F../x",
        b"F\\x",
        outside.to_str().unwrap().as_bytes(),
    ] {
        assert!(content.move_message(&real, folder).is_err());
        assert!(content.copy_message(&real, folder).is_err());
        assert!(content.associated_messages(folder).is_err());
    }
    assert_eq!(contents_of(&dir), before, "nothing changed");
    assert!(fs::read_dir(&outside).unwrap().next().is_none());
    fs::remove_dir_all(&outside).unwrap();
}

#[test]
fn a_damaged_sidecar_is_set_aside_and_hides_nothing() {
    let (dir, content) = open("damaged-sidecar");
    let sent = dir.join(".Sent");
    let comment = Property::for_tag(PR_COMMENT_W, PropValue::Unicode("kept".into()));
    let props = content.folder(b"FSent").unwrap().props;
    let with_comment: Vec<Property> = props.into_iter().chain([comment.clone()]).collect();
    let folder = content.set_folder_props(b"FSent", &with_comment).unwrap();
    assert_eq!(get(&folder.props, PR_COMMENT_W), Some(&comment.value));
    content
        .save_message(b"FSent", None, &associated_message("view"))
        .unwrap();
    let map = NamedProperties::new();
    map.id_of(&PropName::string(PS_PUBLIC_STRINGS, "View"), true);
    content.save_names(&map.to_bytes()).unwrap();
    assert_eq!(content.names().map_err(code), Ok(Some(map.to_bytes())));
    let listed = content.messages(b"FSent").unwrap().len();
    drop(content);
    // Each file cut short, as a disk that lost its tail leaves it (a rename never does).
    for file in [
        sent.join(PROPS_FILE),
        sent.join(ASSOCIATED_FILE),
        dir.join(NAMES_FILE),
    ] {
        let bytes = fs::read(&file).unwrap();
        fs::write(&file, &bytes[..bytes.len() - 1]).unwrap();
    }

    let content = MaildirContent::open(&dir).unwrap();
    assert_eq!(content.names().map_err(code), Ok(None));
    let folder = content.folder(b"FSent").unwrap();
    assert_eq!(text(&folder.props, PR_DISPLAY_NAME_W), "Sent");
    assert_eq!(text(&folder.props, PR_CONTAINER_CLASS_W), "IPF.Note");
    assert_eq!(get(&folder.props, PR_COMMENT_W), None);
    assert!(names(&content.subfolders(b"T").unwrap()).contains(&"Sent"));
    assert_eq!(content.messages(b"FSent").unwrap().len(), listed);
    assert!(content.associated_messages(b"FSent").unwrap().is_empty());
    for file in [
        sent.join(PROPS_FILE),
        sent.join(ASSOCIATED_FILE),
        dir.join(NAMES_FILE),
    ] {
        assert!(!file.exists(), "{file:?} set aside");
        let mut aside = file.into_os_string();
        aside.push(CORRUPT_SUFFIX);
        assert!(Path::new(&aside).is_file(), "{aside:?}");
    }
    // The folder is written to again as new.
    let key = content
        .save_message(b"FSent", None, &associated_message("new"))
        .unwrap();
    assert_eq!(content.associated_messages(b"FSent").unwrap()[0].key, key);
}

#[test]
fn a_new_folders_class_and_comment_are_kept_and_a_plain_one_needs_no_file() {
    let (dir, content) = open("folder-props");
    let text_prop = |tag, value: &str| Property::for_tag(tag, PropValue::Unicode(value.into()));
    let given = [
        text_prop(PR_CONTAINER_CLASS_W, "IPF.Appointment"),
        text_prop(PR_COMMENT_W, "Termine"),
    ];
    let calendar = content.create_folder(b"T", "Kalender", &given).unwrap();
    assert_eq!(calendar.props[1..], given);
    assert!(dir.join(".Kalender").join(PROPS_FILE).is_file());
    let plain = [text_prop(PR_CONTAINER_CLASS_W, "IPF.Note")];
    content.create_folder(b"T", "Plain", &plain).unwrap();
    assert!(!dir.join(".Plain").join(PROPS_FILE).exists());
    // Deleted properties stay deleted (the class too), and a new logon reads what was kept.
    let only_comment = [calendar.props[0].clone(), given[1].clone()];
    content
        .set_folder_props(b"FKalender", &only_comment)
        .unwrap();
    drop(content);
    let content = MaildirContent::open(&dir).unwrap();
    assert_eq!(content.folder(b"FKalender").unwrap().props, only_comment);
    assert_eq!(content.folder(b"FPlain").unwrap().props[1..], plain);
}
