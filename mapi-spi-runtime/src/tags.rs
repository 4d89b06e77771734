//! Property types (`PT_*`) and property tags (`PR_*`) from mapidefs.h and mapitags.h.
//!
//! A tag is `(id << 16) | type`. Text properties come in three names, as in the headers:
//! `PR_X_A` (8-bit, `PT_STRING8`), `PR_X_W` (UTF-16, `PT_UNICODE`) and `PR_X`, which is the 8-bit
//! tag (the headers' `PT_TSTRING` in a build without `UNICODE`).
//!
//! Each constant's documentation starts with its value as the headers and debuggers show it:
//! "`PR_DISPLAY_NAME_W`: tag `0x3001001F` (id `0x3001`, `PT_UNICODE`)".
#![allow(non_upper_case_globals)]

/// `PROP_TAG(type, id)`.
pub const fn prop_tag(prop_type: u32, prop_id: u32) -> u32 {
    (prop_id << 16) | prop_type
}

/// `PROP_TYPE(tag)`.
pub const fn prop_type(tag: u32) -> u32 {
    tag & 0xFFFF
}

/// `PROP_ID(tag)`.
pub const fn prop_id(tag: u32) -> u32 {
    tag >> 16
}

/// `CHANGE_PROP_TYPE(tag, type)`.
pub const fn change_prop_type(tag: u32, prop_type: u32) -> u32 {
    (tag & 0xFFFF_0000) | prop_type
}

/// The four hex digits of a property type, for the doc line `constants!` writes for a tag (a
/// macro cannot format a constant's value); `constants!` checks them against the type's value.
#[rustfmt::skip] // one line per type
macro_rules! pt_hex {
    (PT_NULL) => { "0001" };
    (PT_LONG) => { "0003" };
    (PT_BOOLEAN) => { "000B" };
    (PT_OBJECT) => { "000D" };
    (PT_I8) => { "0014" };
    (PT_STRING8) => { "001E" };
    (PT_TSTRING) => { "001E" };
    (PT_UNICODE) => { "001F" };
    (PT_SYSTIME) => { "0040" };
    (PT_BINARY) => { "0102" };
    (PT_MV_TSTRING) => { "101E" };
}
pub(crate) use pt_hex;

/// The doc line of the tag `$name = prop_tag($pt, $id)`. The headers' `PT_TSTRING` names are
/// 8-bit here (no `UNICODE`), which a reader expecting UTF-16 must be told.
#[rustfmt::skip] // the doc text in lines, not one fragment per line
macro_rules! tag_doc {
    ($name:ident, PT_TSTRING, $id:literal) => {
        concat!(
            "`", stringify!($name), "`: tag `", stringify!($id), $crate::tags::pt_hex!(PT_TSTRING),
            "` (id `", stringify!($id), "`, [`PT_STRING8`]), 8-bit text: the headers' `PT_TSTRING` ",
            "tag in a build without `UNICODE`, equal to [`", stringify!($name), "_A`]. For UTF-16 ",
            "text use [`", stringify!($name), "_W`].",
        )
    };
    ($name:ident, PT_MV_TSTRING, $id:literal) => {
        concat!(
            "`", stringify!($name), "`: tag `", stringify!($id),
            $crate::tags::pt_hex!(PT_MV_TSTRING), "` (id `", stringify!($id),
            "`, [`PT_MV_STRING8`]), 8-bit text values: the headers' `PT_MV_TSTRING` tag in a ",
            "build without `UNICODE`.",
        )
    };
    ($name:ident, $pt:ident, $id:literal) => {
        concat!(
            "`", stringify!($name), "`: tag `", stringify!($id), $crate::tags::pt_hex!($pt),
            "` (id `", stringify!($id), "`, [`", stringify!($pt), "`])",
        )
    };
}
pub(crate) use tag_doc;

crate::constant_table::constants! { PROPERTY_TYPES: u32;
    PT_UNSPECIFIED = 0x0000;
    PT_NULL = 0x0001;
    PT_I2 = 0x0002;
    PT_SHORT = PT_I2 => 0x0002;
    PT_LONG = 0x0003;
    PT_I4 = PT_LONG => 0x0003;
    PT_R4 = 0x0004;
    PT_FLOAT = PT_R4 => 0x0004;
    PT_DOUBLE = 0x0005;
    PT_R8 = PT_DOUBLE => 0x0005;
    PT_CURRENCY = 0x0006;
    PT_APPTIME = 0x0007;
    PT_ERROR = 0x000A;
    PT_BOOLEAN = 0x000B;
    PT_OBJECT = 0x000D;
    PT_I8 = 0x0014;
    PT_LONGLONG = PT_I8 => 0x0014;
    PT_STRING8 = 0x001E;
    PT_UNICODE = 0x001F;
    PT_SYSTIME = 0x0040;
    PT_CLSID = 0x0048;
    PT_BINARY = 0x0102;
    /// `PT_PTR` (`SPropValue::Value.lpv`): Outlook header only.
    PT_PTR = 0x0103;
    /// `PT_TSTRING` of a build without `UNICODE`, as the `PR_X` names below assume.
    PT_TSTRING = PT_STRING8 => 0x001E;
    MV_FLAG = 0x1000;
    /// Table-only: one row per value of a multi-valued column.
    MV_INSTANCE = 0x2000;
    MVI_FLAG = MV_FLAG | MV_INSTANCE => 0x3000;
    PT_MV_I2 = MV_FLAG | PT_I2 => 0x1002;
    PT_MV_LONG = MV_FLAG | PT_LONG => 0x1003;
    PT_MV_R4 = MV_FLAG | PT_R4 => 0x1004;
    PT_MV_DOUBLE = MV_FLAG | PT_DOUBLE => 0x1005;
    PT_MV_CURRENCY = MV_FLAG | PT_CURRENCY => 0x1006;
    PT_MV_APPTIME = MV_FLAG | PT_APPTIME => 0x1007;
    PT_MV_SYSTIME = MV_FLAG | PT_SYSTIME => 0x1040;
    PT_MV_STRING8 = MV_FLAG | PT_STRING8 => 0x101E;
    PT_MV_BINARY = MV_FLAG | PT_BINARY => 0x1102;
    PT_MV_UNICODE = MV_FLAG | PT_UNICODE => 0x101F;
    PT_MV_CLSID = MV_FLAG | PT_CLSID => 0x1048;
    PT_MV_I8 = MV_FLAG | PT_I8 => 0x1014;
    PT_MV_TSTRING = MV_FLAG | PT_TSTRING => 0x101E;
    PROP_ID_NULL = 0;
    PROP_ID_INVALID = 0xFFFF;
}

crate::constant_table::constants! { PROPERTY_TAGS: u32;
    PR_NULL = prop_tag(PT_NULL, 0x0000);
    PR_ENTRYID = prop_tag(PT_BINARY, 0x0FFF);
    PR_OBJECT_TYPE = prop_tag(PT_LONG, 0x0FFE);
    PR_ICON = prop_tag(PT_BINARY, 0x0FFD);
    PR_MINI_ICON = prop_tag(PT_BINARY, 0x0FFC);
    PR_STORE_ENTRYID = prop_tag(PT_BINARY, 0x0FFB);
    PR_STORE_RECORD_KEY = prop_tag(PT_BINARY, 0x0FFA);
    PR_RECORD_KEY = prop_tag(PT_BINARY, 0x0FF9);
    PR_MAPPING_SIGNATURE = prop_tag(PT_BINARY, 0x0FF8);
    PR_ACCESS_LEVEL = prop_tag(PT_LONG, 0x0FF7);
    PR_INSTANCE_KEY = prop_tag(PT_BINARY, 0x0FF6);
    PR_ROW_TYPE = prop_tag(PT_LONG, 0x0FF5);
    PR_ACCESS = prop_tag(PT_LONG, 0x0FF4);
    PR_ROWID = prop_tag(PT_LONG, 0x3000);
    PR_DISPLAY_NAME = prop_tag(PT_TSTRING, 0x3001);
    PR_DISPLAY_NAME_A = prop_tag(PT_STRING8, 0x3001);
    PR_DISPLAY_NAME_W = prop_tag(PT_UNICODE, 0x3001);
    PR_ADDRTYPE = prop_tag(PT_TSTRING, 0x3002);
    PR_ADDRTYPE_A = prop_tag(PT_STRING8, 0x3002);
    PR_ADDRTYPE_W = prop_tag(PT_UNICODE, 0x3002);
    PR_EMAIL_ADDRESS = prop_tag(PT_TSTRING, 0x3003);
    PR_EMAIL_ADDRESS_A = prop_tag(PT_STRING8, 0x3003);
    PR_EMAIL_ADDRESS_W = prop_tag(PT_UNICODE, 0x3003);
    PR_COMMENT = prop_tag(PT_TSTRING, 0x3004);
    PR_COMMENT_A = prop_tag(PT_STRING8, 0x3004);
    PR_COMMENT_W = prop_tag(PT_UNICODE, 0x3004);
    PR_DEPTH = prop_tag(PT_LONG, 0x3005);
    PR_PROVIDER_DISPLAY = prop_tag(PT_TSTRING, 0x3006);
    PR_PROVIDER_DISPLAY_A = prop_tag(PT_STRING8, 0x3006);
    PR_PROVIDER_DISPLAY_W = prop_tag(PT_UNICODE, 0x3006);
    PR_CREATION_TIME = prop_tag(PT_SYSTIME, 0x3007);
    PR_LAST_MODIFICATION_TIME = prop_tag(PT_SYSTIME, 0x3008);
    PR_RESOURCE_FLAGS = prop_tag(PT_LONG, 0x3009);
    PR_PROVIDER_DLL_NAME = prop_tag(PT_TSTRING, 0x300A);
    PR_PROVIDER_DLL_NAME_A = prop_tag(PT_STRING8, 0x300A);
    PR_PROVIDER_DLL_NAME_W = prop_tag(PT_UNICODE, 0x300A);
    PR_SEARCH_KEY = prop_tag(PT_BINARY, 0x300B);
    PR_PROVIDER_UID = prop_tag(PT_BINARY, 0x300C);
    PR_PROVIDER_ORDINAL = prop_tag(PT_LONG, 0x300D);
    PR_DEFAULT_STORE = prop_tag(PT_BOOLEAN, 0x3400);
    PR_STORE_SUPPORT_MASK = prop_tag(PT_LONG, 0x340D);
    PR_STORE_STATE = prop_tag(PT_LONG, 0x340E);
    PR_MDB_PROVIDER = prop_tag(PT_BINARY, 0x3414);
    PR_RECEIVE_FOLDER_SETTINGS = prop_tag(PT_OBJECT, 0x3415);
    PR_VALID_FOLDER_MASK = prop_tag(PT_LONG, 0x35DF);
    PR_IPM_SUBTREE_ENTRYID = prop_tag(PT_BINARY, 0x35E0);
    PR_IPM_OUTBOX_ENTRYID = prop_tag(PT_BINARY, 0x35E2);
    PR_IPM_WASTEBASKET_ENTRYID = prop_tag(PT_BINARY, 0x35E3);
    PR_IPM_SENTMAIL_ENTRYID = prop_tag(PT_BINARY, 0x35E4);
    PR_VIEWS_ENTRYID = prop_tag(PT_BINARY, 0x35E5);
    PR_COMMON_VIEWS_ENTRYID = prop_tag(PT_BINARY, 0x35E6);
    PR_FINDER_ENTRYID = prop_tag(PT_BINARY, 0x35E7);
    PR_CONTAINER_FLAGS = prop_tag(PT_LONG, 0x3600);
    PR_FOLDER_TYPE = prop_tag(PT_LONG, 0x3601);
    PR_CONTENT_COUNT = prop_tag(PT_LONG, 0x3602);
    PR_CONTENT_UNREAD = prop_tag(PT_LONG, 0x3603);
    PR_SUBFOLDERS = prop_tag(PT_BOOLEAN, 0x360A);
    PR_ASSOC_CONTENT_COUNT = prop_tag(PT_LONG, 0x3617);
    PR_CONTAINER_CLASS = prop_tag(PT_TSTRING, 0x3613);
    PR_CONTAINER_CLASS_A = prop_tag(PT_STRING8, 0x3613);
    PR_CONTAINER_CLASS_W = prop_tag(PT_UNICODE, 0x3613);
    PR_CONTAINER_HIERARCHY = prop_tag(PT_OBJECT, 0x360E);
    PR_CONTAINER_CONTENTS = prop_tag(PT_OBJECT, 0x360F);
    PR_FOLDER_ASSOCIATED_CONTENTS = prop_tag(PT_OBJECT, 0x3610);
    PR_PARENT_ENTRYID = prop_tag(PT_BINARY, 0x0E09);
    PR_STATUS = prop_tag(PT_LONG, 0x360B);
    PR_MESSAGE_CLASS = prop_tag(PT_TSTRING, 0x001A);
    PR_MESSAGE_CLASS_A = prop_tag(PT_STRING8, 0x001A);
    PR_MESSAGE_CLASS_W = prop_tag(PT_UNICODE, 0x001A);
    PR_SUBJECT = prop_tag(PT_TSTRING, 0x0037);
    PR_SUBJECT_A = prop_tag(PT_STRING8, 0x0037);
    PR_SUBJECT_W = prop_tag(PT_UNICODE, 0x0037);
    PR_NORMALIZED_SUBJECT = prop_tag(PT_TSTRING, 0x0E1D);
    PR_NORMALIZED_SUBJECT_A = prop_tag(PT_STRING8, 0x0E1D);
    PR_NORMALIZED_SUBJECT_W = prop_tag(PT_UNICODE, 0x0E1D);
    PR_SUBJECT_PREFIX = prop_tag(PT_TSTRING, 0x003D);
    PR_SUBJECT_PREFIX_A = prop_tag(PT_STRING8, 0x003D);
    PR_SUBJECT_PREFIX_W = prop_tag(PT_UNICODE, 0x003D);
    PR_MESSAGE_FLAGS = prop_tag(PT_LONG, 0x0E07);
    PR_MESSAGE_SIZE = prop_tag(PT_LONG, 0x0E08);
    PR_MSG_STATUS = prop_tag(PT_LONG, 0x0E17);
    PR_HASATTACH = prop_tag(PT_BOOLEAN, 0x0E1B);
    PR_BODY = prop_tag(PT_TSTRING, 0x1000);
    PR_BODY_A = prop_tag(PT_STRING8, 0x1000);
    PR_BODY_W = prop_tag(PT_UNICODE, 0x1000);
    PR_RTF_COMPRESSED = prop_tag(PT_BINARY, 0x1009);
    /// PidTagHtml: the HTML body, as bytes in its own charset. Outlook's `MAPITags.h` only.
    PR_HTML = prop_tag(PT_BINARY, 0x1013);
    PR_MESSAGE_DELIVERY_TIME = prop_tag(PT_SYSTIME, 0x0E06);
    PR_CLIENT_SUBMIT_TIME = prop_tag(PT_SYSTIME, 0x0039);
    PR_SENDER_NAME = prop_tag(PT_TSTRING, 0x0C1A);
    PR_SENDER_NAME_A = prop_tag(PT_STRING8, 0x0C1A);
    PR_SENDER_NAME_W = prop_tag(PT_UNICODE, 0x0C1A);
    PR_SENDER_ENTRYID = prop_tag(PT_BINARY, 0x0C19);
    PR_SENDER_SEARCH_KEY = prop_tag(PT_BINARY, 0x0C1D);
    PR_SENDER_ADDRTYPE = prop_tag(PT_TSTRING, 0x0C1E);
    PR_SENDER_ADDRTYPE_A = prop_tag(PT_STRING8, 0x0C1E);
    PR_SENDER_ADDRTYPE_W = prop_tag(PT_UNICODE, 0x0C1E);
    PR_SENDER_EMAIL_ADDRESS = prop_tag(PT_TSTRING, 0x0C1F);
    PR_SENDER_EMAIL_ADDRESS_A = prop_tag(PT_STRING8, 0x0C1F);
    PR_SENDER_EMAIL_ADDRESS_W = prop_tag(PT_UNICODE, 0x0C1F);
    PR_SENT_REPRESENTING_NAME = prop_tag(PT_TSTRING, 0x0042);
    PR_SENT_REPRESENTING_NAME_A = prop_tag(PT_STRING8, 0x0042);
    PR_SENT_REPRESENTING_NAME_W = prop_tag(PT_UNICODE, 0x0042);
    PR_SENT_REPRESENTING_ENTRYID = prop_tag(PT_BINARY, 0x0041);
    PR_DISPLAY_TO = prop_tag(PT_TSTRING, 0x0E04);
    PR_DISPLAY_TO_A = prop_tag(PT_STRING8, 0x0E04);
    PR_DISPLAY_TO_W = prop_tag(PT_UNICODE, 0x0E04);
    PR_DISPLAY_CC = prop_tag(PT_TSTRING, 0x0E03);
    PR_DISPLAY_CC_A = prop_tag(PT_STRING8, 0x0E03);
    PR_DISPLAY_CC_W = prop_tag(PT_UNICODE, 0x0E03);
    PR_DISPLAY_BCC = prop_tag(PT_TSTRING, 0x0E02);
    PR_DISPLAY_BCC_A = prop_tag(PT_STRING8, 0x0E02);
    PR_DISPLAY_BCC_W = prop_tag(PT_UNICODE, 0x0E02);
    PR_IMPORTANCE = prop_tag(PT_LONG, 0x0017);
    PR_PRIORITY = prop_tag(PT_LONG, 0x0026);
    PR_SENSITIVITY = prop_tag(PT_LONG, 0x0036);
    PR_MESSAGE_RECIPIENTS = prop_tag(PT_OBJECT, 0x0E12);
    PR_MESSAGE_ATTACHMENTS = prop_tag(PT_OBJECT, 0x0E13);
    PR_SUBMIT_FLAGS = prop_tag(PT_LONG, 0x0E14);
    PR_RECIPIENT_TYPE = prop_tag(PT_LONG, 0x0C15);
    PR_RESPONSIBILITY = prop_tag(PT_BOOLEAN, 0x0E0F);
    PR_ATTACH_NUM = prop_tag(PT_LONG, 0x0E21);
    PR_ATTACH_METHOD = prop_tag(PT_LONG, 0x3705);
    PR_ATTACH_DATA_BIN = prop_tag(PT_BINARY, 0x3701);
    PR_ATTACH_DATA_OBJ = prop_tag(PT_OBJECT, 0x3701);
    PR_ATTACH_FILENAME = prop_tag(PT_TSTRING, 0x3704);
    PR_ATTACH_FILENAME_A = prop_tag(PT_STRING8, 0x3704);
    PR_ATTACH_FILENAME_W = prop_tag(PT_UNICODE, 0x3704);
    PR_ATTACH_LONG_FILENAME = prop_tag(PT_TSTRING, 0x3707);
    PR_ATTACH_LONG_FILENAME_A = prop_tag(PT_STRING8, 0x3707);
    PR_ATTACH_LONG_FILENAME_W = prop_tag(PT_UNICODE, 0x3707);
    PR_ATTACH_EXTENSION = prop_tag(PT_TSTRING, 0x3703);
    PR_ATTACH_EXTENSION_A = prop_tag(PT_STRING8, 0x3703);
    PR_ATTACH_EXTENSION_W = prop_tag(PT_UNICODE, 0x3703);
    PR_ATTACH_SIZE = prop_tag(PT_LONG, 0x0E20);
    PR_ATTACH_MIME_TAG = prop_tag(PT_TSTRING, 0x370E);
    PR_ATTACH_MIME_TAG_A = prop_tag(PT_STRING8, 0x370E);
    PR_ATTACH_MIME_TAG_W = prop_tag(PT_UNICODE, 0x370E);
    /// PidTagInternetMessageId: the `Message-ID` header, angle brackets included. Outlook's
    /// `MAPITags.h` only.
    PR_INTERNET_MESSAGE_ID = prop_tag(PT_TSTRING, 0x1035);
    PR_INTERNET_MESSAGE_ID_A = prop_tag(PT_STRING8, 0x1035);
    PR_INTERNET_MESSAGE_ID_W = prop_tag(PT_UNICODE, 0x1035);
    /// PidTagInternetCodepage: the code page of `PR_HTML`'s bytes. Outlook's `MAPITags.h` only.
    PR_INTERNET_CPID = prop_tag(PT_LONG, 0x3FDE);
    /// PidTagFlagStatus: a message's follow-up flag (0 none, 1 complete, 2 flagged). Outlook's
    /// `MAPITags.h` only.
    PR_FLAG_STATUS = prop_tag(PT_LONG, 0x1090);
    /// PidTagLastVerbExecuted: what was last done to a message (`EXCHIVERB_REPLYTOSENDER`, ...).
    /// Outlook's `MAPITags.h` only.
    PR_LAST_VERB_EXECUTED = prop_tag(PT_LONG, 0x1081);
    PR_RENDERING_POSITION = prop_tag(PT_LONG, 0x370B);
    PR_DISPLAY_TYPE = prop_tag(PT_LONG, 0x3900);
    PR_TRANSMITABLE_DISPLAY_NAME = prop_tag(PT_TSTRING, 0x3A20);
    PR_TRANSMITABLE_DISPLAY_NAME_A = prop_tag(PT_STRING8, 0x3A20);
    PR_TRANSMITABLE_DISPLAY_NAME_W = prop_tag(PT_UNICODE, 0x3A20);
    PR_RESOURCE_METHODS = prop_tag(PT_LONG, 0x3E02);
    PR_RESOURCE_TYPE = prop_tag(PT_LONG, 0x3E03);
    PR_STATUS_CODE = prop_tag(PT_LONG, 0x3E04);
    PR_STATUS_STRING = prop_tag(PT_TSTRING, 0x3E08);
    PR_STATUS_STRING_A = prop_tag(PT_STRING8, 0x3E08);
    PR_STATUS_STRING_W = prop_tag(PT_UNICODE, 0x3E08);
    PR_IDENTITY_DISPLAY = prop_tag(PT_TSTRING, 0x3E00);
    PR_IDENTITY_DISPLAY_A = prop_tag(PT_STRING8, 0x3E00);
    PR_IDENTITY_DISPLAY_W = prop_tag(PT_UNICODE, 0x3E00);
    PR_IDENTITY_ENTRYID = prop_tag(PT_BINARY, 0x3E01);
    PR_IDENTITY_SEARCH_KEY = prop_tag(PT_BINARY, 0x3E05);
    PR_OWN_STORE_ENTRYID = prop_tag(PT_BINARY, 0x3E06);
    PR_SERVICE_NAME = prop_tag(PT_TSTRING, 0x3D09);
    PR_SERVICE_NAME_A = prop_tag(PT_STRING8, 0x3D09);
    PR_SERVICE_NAME_W = prop_tag(PT_UNICODE, 0x3D09);
    PR_SERVICE_DLL_NAME = prop_tag(PT_TSTRING, 0x3D0A);
    PR_SERVICE_DLL_NAME_A = prop_tag(PT_STRING8, 0x3D0A);
    PR_SERVICE_DLL_NAME_W = prop_tag(PT_UNICODE, 0x3D0A);
    PR_SERVICE_ENTRY_NAME = prop_tag(PT_STRING8, 0x3D0B);
    PR_SERVICE_UID = prop_tag(PT_BINARY, 0x3D0C);
    PR_SERVICE_SUPPORT_FILES = prop_tag(PT_MV_TSTRING, 0x3D0F);
    PR_SERVICE_DELETE_FILES = prop_tag(PT_MV_TSTRING, 0x3D10);
    PR_PROFILE_NAME = prop_tag(PT_TSTRING, 0x3D12);
    PR_PROFILE_NAME_A = prop_tag(PT_STRING8, 0x3D12);
    PR_PROFILE_NAME_W = prop_tag(PT_UNICODE, 0x3D12);
    PR_AB_PROVIDER_ID = prop_tag(PT_BINARY, 0x3615);
    PR_AB_PROVIDERS = prop_tag(PT_BINARY, 0x3D01);
    PR_TRANSPORT_STATUS = prop_tag(PT_LONG, 0x0E11);
    PR_TRANSPORT_KEY = prop_tag(PT_LONG, 0x0E16);
    PR_SPOOLER_STATUS = prop_tag(PT_LONG, 0x0E10);
    PR_PREPROCESS = prop_tag(PT_BOOLEAN, 0x0E22);
    PR_STORE_PROVIDERS = prop_tag(PT_BINARY, 0x3D00);
    PR_CONTAINER_MODIFY_VERSION = prop_tag(PT_I8, 0x3614);
    PR_DEF_CREATE_DL = prop_tag(PT_BINARY, 0x3611);
    PR_DEF_CREATE_MAILUSER = prop_tag(PT_BINARY, 0x3612);
    PR_SELECTABLE = prop_tag(PT_BOOLEAN, 0x3609);
    PR_TEMPLATEID = prop_tag(PT_BINARY, 0x3902);
    PR_PRIMARY_CAPABILITY = prop_tag(PT_BINARY, 0x3904);
    PR_ORIGINAL_ENTRYID = prop_tag(PT_BINARY, 0x3A12);
    PR_ORIGINAL_DISPLAY_NAME = prop_tag(PT_TSTRING, 0x3A13);
    PR_ORIGINAL_DISPLAY_NAME_A = prop_tag(PT_STRING8, 0x3A13);
    PR_ORIGINAL_DISPLAY_NAME_W = prop_tag(PT_UNICODE, 0x3A13);
    PR_ORIGINAL_SEARCH_KEY = prop_tag(PT_BINARY, 0x3A14);
}
