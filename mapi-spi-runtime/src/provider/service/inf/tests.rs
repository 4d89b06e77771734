use super::*;
use crate::flags::{
    MAPI_AB_PROVIDER, MAPI_STORE_PROVIDER, STATUS_DEFAULT_STORE, STATUS_NEED_IPM_TREE,
    STATUS_NO_DEFAULT_STORE, STATUS_NO_PRIMARY_IDENTITY, STATUS_OWN_STORE,
};
use crate::provider::service::*;
use crate::tags::{PR_MDB_PROVIDER, PT_BOOLEAN, PT_UNICODE, prop_tag};
use proptest::prelude::*;

/// A realistic MAPISVC.INF: CRLF, comments, blank lines, odd spacing, several services.
const FIXTURE: &[u8] = include_bytes!("testdata/mapisvc.inf");

const STORE: ProviderDescription = ProviderDescription {
    section: "RustStore MS",
    display_name: "Rust Store",
    provider_display: "Rust Store (mapi-spi)",
    dll_base_name: None,
    resource_type: MAPI_STORE_PROVIDER,
    resource_flags: STATUS_NO_DEFAULT_STORE | STATUS_NO_PRIMARY_IDENTITY,
    settings: &[
        SettingDescription {
            name: "root",
            tag: 0x6600_001E,
            inf: InfKey::Hex,
            default: Some(SettingValue::String("C:\\Stores")),
        },
        SettingDescription {
            name: "cache_size",
            tag: 0x6601_0003,
            inf: InfKey::Hex,
            default: Some(SettingValue::Long(6)),
        },
        SettingDescription {
            name: "provider",
            tag: PR_MDB_PROVIDER,
            inf: InfKey::Name("PR_MDB_PROVIDER"),
            default: Some(SettingValue::Binary(&[0x78, 0xB2, 0xFA, 0x70])),
        },
        SettingDescription {
            name: "password",
            tag: prop_tag(PT_UNICODE, 0x6602),
            inf: InfKey::ProfileOnly,
            default: None,
        },
        SettingDescription {
            name: "unset",
            tag: 0x6603_0003,
            inf: InfKey::Hex,
            default: None,
        },
    ],
};

const SERVICE: ServiceDescription = ServiceDescription {
    name: "RustStore",
    display_name: "Rust Store",
    dll_base_name: "rust_store.dll",
    entry_name: Some("ServiceEntry"),
    resource_flags: SERVICE_SINGLE_COPY | SERVICE_NO_PRIMARY_IDENTITY,
    support_files: &["rust_store.dll", "rust_store.chm"],
    delete_files: &[],
    settings: &[],
    providers: &[
        STORE,
        ProviderDescription {
            section: "RustStore AB",
            display_name: "Rust Contacts",
            provider_display: "Rust Contacts (mapi-spi)",
            dll_base_name: Some("rust_ab.dll"),
            resource_type: MAPI_AB_PROVIDER,
            resource_flags: STATUS_NO_PRIMARY_IDENTITY,
            settings: &[],
        },
    ],
};

/// An older version of [`SERVICE`]: other names, a transport that the new one dropped, no
/// address book.
const OLDER: ServiceDescription = ServiceDescription {
    display_name: "Rust Store 0.9",
    entry_name: None,
    resource_flags: SERVICE_NO_PRIMARY_IDENTITY,
    support_files: &[],
    providers: &[
        ProviderDescription {
            display_name: "Rust Store 0.9",
            settings: &[],
            ..STORE
        },
        ProviderDescription {
            section: "RustStore XP",
            display_name: "Rust Transport",
            provider_display: "Rust Transport",
            dll_base_name: None,
            resource_type: crate::flags::MAPI_TRANSPORT_PROVIDER,
            resource_flags: STATUS_NO_PRIMARY_IDENTITY,
            settings: &[],
        },
    ],
    ..SERVICE
};

const SECTIONS: &str = "\
[RustStore]
PR_DISPLAY_NAME=Rust Store
Providers=RustStore MS, RustStore AB
PR_SERVICE_DLL_NAME=rust_store.dll
PR_SERVICE_SUPPORT_FILES=rust_store.dll, rust_ab.dll, rust_store.chm
PR_SERVICE_ENTRY_NAME=ServiceEntry
PR_RESOURCE_FLAGS=SERVICE_SINGLE_COPY|SERVICE_NO_PRIMARY_IDENTITY

[RustStore MS]
PR_DISPLAY_NAME=Rust Store
PR_PROVIDER_DISPLAY=Rust Store (mapi-spi)
PR_PROVIDER_DLL_NAME=rust_store.dll
PR_RESOURCE_TYPE=MAPI_STORE_PROVIDER
PR_RESOURCE_FLAGS=STATUS_NO_DEFAULT_STORE|STATUS_NO_PRIMARY_IDENTITY
6600001E=C:\\Stores
66010003=06000000
PR_MDB_PROVIDER=78B2FA70

[RustStore AB]
PR_DISPLAY_NAME=Rust Contacts
PR_PROVIDER_DISPLAY=Rust Contacts (mapi-spi)
PR_PROVIDER_DLL_NAME=rust_ab.dll
PR_RESOURCE_TYPE=MAPI_AB_PROVIDER
PR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY
";

fn fixture() -> String {
    String::from_utf8(FIXTURE.to_vec()).unwrap()
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// The fixture in the shapes real files come in.
fn variants() -> Vec<(&'static str, String)> {
    let text = fixture();
    vec![
        ("crlf", text.clone()),
        ("lf", text.replace("\r\n", "\n")),
        ("cr", text.replace("\r\n", "\r")),
        (
            "no final line break",
            text.trim_end_matches("\r\n").to_owned(),
        ),
        ("empty", String::new()),
        ("only [Services]", "[Services]".to_owned()),
        ("no [Services]", "[Other]\r\nA=B\r\n".to_owned()),
        ("blank lines only", "\r\n\r\n".to_owned()),
    ]
}

#[test]
fn print_writes_every_section_in_the_documented_format() {
    let expected = format!("[Services]\nRustStore=Rust Store\n\n{SECTIONS}");
    assert_eq!(print(&SERVICE).unwrap(), expected);
}

#[test]
fn merge_inserts_the_entry_and_appends_the_sections_in_the_files_line_breaks() {
    let original = fixture();
    let merged = merge(&original, &SERVICE).unwrap();
    let entry_after = "  MSAB = Personal Address Book\r\n";
    let expected = original.replacen(
        entry_after,
        &format!("{entry_after}RustStore=Rust Store\r\n"),
        1,
    ) + "\r\n"
        + &crlf(SECTIONS);
    assert_eq!(merged, expected);
}

#[test]
fn merge_then_remove_gives_back_every_byte() {
    for (name, original) in variants() {
        let merged = merge(&original, &SERVICE).unwrap();
        assert_ne!(merged, original, "{name}");
        assert_eq!(remove(&merged, "RustStore"), original, "{name}");
        assert_eq!(
            remove(&merged, "ruststore"),
            original,
            "{name}: names ignore case"
        );
    }
}

#[test]
fn merging_twice_is_merging_once() {
    for (name, original) in variants() {
        let once = merge(&original, &SERVICE).unwrap();
        assert_eq!(merge(&once, &SERVICE).unwrap(), once, "{name}");
    }
}

#[test]
fn a_file_without_a_final_line_break_keeps_having_none() {
    let original = "[Services]\r\nA=B";
    let merged = merge(original, &SERVICE).unwrap();
    assert!(merged.starts_with("[Services]\r\nA=B\r\nRustStore=Rust Store\r\n\r\n[RustStore]\r\n"));
    assert!(merged.ends_with("PR_RESOURCE_FLAGS=STATUS_NO_PRIMARY_IDENTITY"));
}

#[test]
fn inserted_line_breaks_never_join_the_files_own() {
    // A lone `\r` then an inserted `\n`, or an inserted `\r` then the file's `\n`, would read
    // as one `\r\n`: the insertion uses `\r\n` there.
    for original in [
        "[Services]\n\r",
        "[Services]\rA=B\r\n\nx\n",
        "[Services]\r\n\r",
    ] {
        let merged = merge(original, &SERVICE).unwrap();
        assert_eq!(remove(&merged, "RustStore"), original, "{original:?}");
        assert_eq!(merge(&merged, &SERVICE).unwrap(), merged, "{original:?}");
    }
}

#[test]
fn a_file_without_services_gets_one() {
    let merged = merge("[Other]\nA=B\n", &SERVICE).unwrap();
    assert!(merged.starts_with("[Other]\nA=B\n\n[Services]\nRustStore=Rust Store\n[RustStore]\n"));
    // An empty [Services] already there is used, and kept by remove.
    let original = "[Services]\n\n[Other]\nA=B\n";
    let merged = merge(original, &SERVICE).unwrap();
    assert!(merged.starts_with("[Services]\nRustStore=Rust Store\n\n[Other]"));
    assert_eq!(remove(&merged, "RustStore"), original);
}

#[test]
fn merge_replaces_an_older_version_wherever_it_is() {
    let original = fixture();
    let old = "[RustStore]\r\n\
        ; hand-written, version 0.1\r\n\
        PR_DISPLAY_NAME=Rust Store 0.1\r\n\
        Providers=RustStore MS,RustStore XP\r\n\
        PR_SERVICE_DLL_NAME=rust_store.dll\r\n\
        \r\n\
        [RustStore XP]\r\n\
        PR_RESOURCE_TYPE=MAPI_TRANSPORT_PROVIDER\r\n\
        \r\n";
    let with_old = original
        .replacen(
            "[Help File Mappings]",
            &format!("{old}[Help File Mappings]"),
            1,
        )
        .replacen(
            "CONTAB=Outlook",
            "RustStore = Rust Store 0.1\r\nCONTAB=Outlook",
            1,
        )
        + "[RustStore MS]\r\nPR_DISPLAY_NAME=old\r\n";
    let merged = merge(&with_old, &SERVICE).unwrap();
    assert_eq!(merged.matches("[RustStore MS]").count(), 1);
    assert!(!merged.contains("RustStore XP"));
    assert!(!merged.contains("0.1"));
    assert_eq!(merged.matches("RustStore=").count(), 1);
    // The old sections and entry leave no trace: the result is the merge of the file without them.
    assert_eq!(merged, merge(&original, &SERVICE).unwrap());
}

#[test]
fn removing_an_absent_service_changes_nothing() {
    for (name, original) in variants() {
        assert_eq!(remove(&original, "RustStore"), original, "{name}");
    }
}

#[test]
fn remove_also_takes_the_service_out_of_default_services() {
    let merged = merge(&fixture(), &SERVICE).unwrap();
    let listed = merged.replacen(
        "[Default Services]\r\n",
        "[Default Services]\r\nRustStore=Rust Store\r\n",
        1,
    );
    assert_eq!(remove(&listed, "RustStore"), fixture());
}

#[test]
fn remove_keeps_provider_sections_other_services_use() {
    let text = "[Services]\nA=a\nB=b\n[A]\nProviders=Shared, A only\n[B]\nProviders=Shared\n[Shared]\nX=1\n[A only]\nX=2\n";
    assert_eq!(
        remove(text, "A"),
        "[Services]\nB=b\n[B]\nProviders=Shared\n[Shared]\nX=1\n"
    );
}

#[test]
fn merge_refuses_a_provider_section_another_service_lists() {
    let text = "[Services]\nOther=Other\n[Other]\nProviders=RustStore AB\n";
    assert_eq!(
        merge(text, &SERVICE),
        Err(InfError::Conflict {
            section: "RustStore AB".to_owned()
        })
    );
}

#[test]
fn malformed_lines_and_duplicate_sections_are_kept() {
    let original = "[Services\r\nnot an entry\r\n[Services]\r\nA=a\r\n[A]\r\nB=1\r\n[A]\r\nB=2\r\n[Services]\r\nC=c\r\n[broken";
    let merged = merge(original, &SERVICE).unwrap();
    assert!(merged.starts_with(
        "[Services\r\nnot an entry\r\n[Services]\r\nA=a\r\nRustStore=Rust Store\r\n[A]"
    ));
    assert_eq!(remove(&merged, "RustStore"), original);
    assert_eq!(merge(&merged, &SERVICE).unwrap(), merged);
}

#[test]
fn duplicates_of_the_service_are_all_removed() {
    let text = "[Services]\nS=s\nS=again\n[S]\nProviders=P\n[P]\nX=1\n[Keep]\n[S]\n";
    assert_eq!(remove(text, "S"), "[Services]\n[Keep]\n");
}

#[test]
fn utf16_files_stay_utf16_and_other_bytes_stay() {
    let original = utf16le(&fixture());
    let merged = merge_file(&original, &SERVICE).unwrap();
    assert_eq!(&merged[..2], &[0xFF, 0xFE]);
    let expected = utf16le(&merge(&fixture(), &SERVICE).unwrap());
    assert_eq!(merged, expected);
    assert_eq!(remove_file(&merged, "RustStore").unwrap(), original);
    assert_eq!(merge_file(&merged, &SERVICE).unwrap(), merged);

    // Big-endian, and a lone surrogate that is not valid UTF-16: still every unit kept.
    let mut big = vec![0xFE, 0xFF];
    for unit in "[Services]\r\nA=\u{e9}".encode_utf16().chain([0xD800]) {
        big.extend(unit.to_be_bytes());
    }
    let merged = merge_file(&big, &SERVICE).unwrap();
    assert_eq!(remove_file(&merged, "RustStore").unwrap(), big);
}

#[test]
fn ansi_files_keep_their_bytes_and_take_ascii_only() {
    // Windows-1252 "é" (0xE9) is not UTF-8: the bytes are kept as they are.
    let mut original = b"[Services]\r\nCaf\xE9=Caf\xE9\r\n".to_vec();
    original.extend(b"[Caf\xE9]\r\nProviders=X\r\n");
    let merged = merge_file(&original, &SERVICE).unwrap();
    assert_eq!(remove_file(&merged, "RustStore").unwrap(), original);

    const ACCENTED: ServiceDescription = ServiceDescription {
        display_name: "Rust Stör",
        ..SERVICE
    };
    assert!(matches!(
        merge_file(&original, &ACCENTED),
        Err(InfError::NotAscii(_))
    ));
    // With a byte order mark, the text is encoded in the file's encoding.
    assert!(merge_file(&utf16le("[Services]\r\n"), &ACCENTED).is_ok());
    let utf8 = merge_file(b"\xEF\xBB\xBF[Services]\r\n", &ACCENTED).unwrap();
    assert!(
        String::from_utf8(utf8)
            .unwrap()
            .contains("RustStore=Rust Stör\r\n")
    );
    // A new file that needs more than ASCII is UTF-16LE with a byte order mark.
    assert_eq!(&merge_file(b"", &ACCENTED).unwrap()[..2], &[0xFF, 0xFE]);
}

#[test]
fn a_utf16_file_with_an_odd_length_is_refused() {
    assert_eq!(
        merge_file(&[0xFF, 0xFE, 0x41], &SERVICE),
        Err(InfError::OddUtf16Length)
    );
}

#[test]
fn dll_names_follow_the_32_rule() {
    let errors = |dll: &'static str| {
        let service = ServiceDescription {
            dll_base_name: dll,
            ..SERVICE
        };
        service.validate().err().map(|e| e.0.len()).unwrap_or(0)
    };
    assert_eq!(errors("rust_store.dll"), 0);
    assert_eq!(errors("C:\\Providers\\rust_store.dll"), 0);
    assert_eq!(errors("rust_store32.dll"), 1);
    assert_eq!(errors("C:\\my.dir\\rust_store.dll"), 1);
    assert_eq!(
        errors("C:\\x32\\rust_store.dll"),
        0,
        "a 32 in a directory is not MAPI's"
    );
    assert_eq!(errors("rust_store"), 1);
    let message = ServiceDescription {
        dll_base_name: "rust_store32.dll",
        ..SERVICE
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(message.contains("\"rust_store.dll\""), "{message}");
    let message = ServiceDescription {
        dll_base_name: "C:\\x32\\rust_store32.dll",
        ..SERVICE
    }
    .validate()
    .unwrap_err()
    .to_string();
    assert!(
        message.contains(r#"(e.g. "C:\x32\rust_store.dll")"#),
        "{message}"
    );
}

#[test]
fn checked_passes_a_good_declaration_in_a_constant() {
    const CHECKED: ServiceDescription = SERVICE.checked();
    assert_eq!(CHECKED, SERVICE);
    const IN_A_DIRECTORY: ServiceDescription = ServiceDescription {
        dll_base_name: "C:\\x32\\rust_store.dll",
        ..SERVICE
    }
    .checked();
    assert_eq!(IN_A_DIRECTORY.validate(), Ok(()));
}

#[test]
#[should_panic(expected = "contains \"32\" before the first period")]
fn checked_refuses_a_dll_name_with_32() {
    ServiceDescription {
        dll_base_name: "C:\\Providers\\rust_store32.dll",
        ..SERVICE
    }
    .checked();
}

#[test]
#[should_panic(expected = "more than one period")]
fn checked_refuses_a_path_with_another_period() {
    ServiceDescription {
        dll_base_name: "C:\\my.dir\\rust_store.dll",
        ..SERVICE
    }
    .checked();
}

#[test]
#[should_panic(expected = "exactly one of STATUS_PRIMARY_IDENTITY")]
fn checked_refuses_a_provider_without_identity_flag() {
    const PROVIDERS: &[ProviderDescription] = &[ProviderDescription {
        resource_flags: STATUS_NO_DEFAULT_STORE,
        ..STORE
    }];
    ServiceDescription {
        providers: PROVIDERS,
        ..SERVICE
    }
    .checked();
}

#[test]
fn every_broken_rule_is_reported_at_once() {
    const BAD: ServiceDescription = ServiceDescription {
        name: "Services",
        display_name: " padded",
        dll_base_name: "a.b.dll",
        entry_name: Some("Service Entry"),
        resource_flags: SERVICE_SINGLE_COPY,
        support_files: &[],
        delete_files: &[],
        settings: &[],
        providers: &[ProviderDescription {
            section: "A,B",
            display_name: "",
            provider_display: "x\ny",
            dll_base_name: Some("p32.dll"),
            resource_type: MAPI_AB_PROVIDER,
            resource_flags: STATUS_DEFAULT_STORE | STATUS_OWN_STORE | STATUS_NEED_IPM_TREE,
            settings: &[
                SettingDescription {
                    name: "public",
                    tag: 0x3001_001E,
                    inf: InfKey::Hex,
                    default: Some(SettingValue::Long(1)),
                },
                SettingDescription {
                    name: "flag",
                    tag: prop_tag(PT_BOOLEAN, 0x6600),
                    inf: InfKey::Hex,
                    default: None,
                },
                SettingDescription {
                    name: "named",
                    tag: 0x6601_0102,
                    inf: InfKey::Name("PR_NOT_A_PROPERTY"),
                    default: None,
                },
            ],
        }],
    };
    let errors = BAD.validate().unwrap_err();
    let text = errors.to_string();
    for expected in [
        "is a section MAPI itself uses",
        "starts or ends with spaces",
        "more than one period",
        "not the name of an exported C function",
        "SERVICE_PRIMARY_IDENTITY",
        "may only contain",
        "comma",
        "display_name is empty",
        "line break",
        "contains \"32\"",
        "STATUS_DEFAULT_STORE does not apply",
        "STATUS_OWN_STORE does not apply",
        "bits 0x800",
        "STATUS_NO_PRIMARY_IDENTITY",
        "ID 0x6600 to 0x67FF",
        "does not have the type",
        "an entry the generator writes itself",
        "PT_LONG, PT_STRING8 and PT_BINARY values only",
        "PR_NOT_A_PROPERTY is not a MAPI property name",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    assert!(matches!(merge("", &BAD), Err(InfError::Description(_))));
}

/// Lines of arbitrary MAPISVC.INF-like files: sections (some with names merge cares about),
/// entries, comments, blanks, malformed lines, each with any line break.
fn line() -> impl Strategy<Value = String> {
    let name = prop::sample::select(vec![
        "Services",
        "services",
        " Services ",
        "MSEMS",
        "AB",
        "Other",
        "Help File Mappings",
        "Default Services",
        "Rust",
        "RustStore2",
        "X MS",
    ]);
    let key = prop::sample::select(vec![
        "Providers",
        "PR_DISPLAY_NAME",
        "MSEMS",
        "AB",
        "Other",
        "Rust",
        "66000003",
        " spaced ",
    ]);
    let value = "[ a-zA-Z0-9,._|]{0,12}";
    prop_oneof![
        name.clone().prop_map(|n| format!("[{n}]")),
        (key.clone(), value).prop_map(|(k, v)| format!("{k}={v}")),
        (key, name.clone()).prop_map(|(_, n)| format!("Providers={n}, AB")),
        "[ \t]{0,3}".prop_map(|blank| blank),
        "[ ]{0,2};[ a-z\\[\\]=]{0,10}".prop_map(|comment| comment),
        name.prop_map(|n| format!("[{n}")),
        "[a-z ]{1,8}".prop_map(|other| other),
    ]
}

fn file() -> impl Strategy<Value = String> {
    let line_break = prop::sample::select(vec!["\r\n", "\n", "\r"]);
    (
        prop::collection::vec((line(), line_break), 0..40),
        any::<bool>(),
    )
        .prop_map(|(lines, final_break)| {
            let mut text: String = lines
                .iter()
                .map(|(line, eol)| format!("{line}{eol}"))
                .collect();
            if !final_break && let Some((_, eol)) = lines.last() {
                text.truncate(text.len() - eol.len());
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn merge_then_remove_is_the_identity(original in file()) {
        let merged = merge(&original, &SERVICE).unwrap();
        prop_assert_eq!(remove(&merged, "RustStore"), original.clone());
        prop_assert_eq!(merge(&merged, &SERVICE).unwrap(), merged.clone());
        let utf16 = utf16le(&original);
        let merged16 = merge_file(&utf16, &SERVICE).unwrap();
        prop_assert_eq!(merged16.clone(), utf16le(&merged));
        prop_assert_eq!(remove_file(&merged16, "RustStore").unwrap(), utf16);
    }

    #[test]
    fn merging_over_an_older_version_is_merging_into_the_file_without_it(original in file()) {
        let older = merge(&original, &OLDER).unwrap();
        prop_assert_eq!(merge(&older, &SERVICE).unwrap(), merge(&original, &SERVICE).unwrap());
    }

    #[test]
    fn remove_of_an_absent_service_is_the_identity(original in file()) {
        prop_assert_eq!(remove(&original, "RustStore"), original.clone());
    }
}
