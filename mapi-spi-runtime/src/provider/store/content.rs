//! What a store holds, as its provider describes it: [`StoreContent`], folders and messages by
//! key. This is all a provider author writes for a store's contents; the runtime's store object
//! model builds MAPI's objects on it (entry IDs, folder hierarchy and contents tables, messages
//! with their recipient and attachment tables, transactions, notifications).
//!
//! Keys are the provider's: opaque byte strings, 1 to
//! [`MAX_OBJECT_KEY`](super::entry_id::MAX_OBJECT_KEY) bytes, that name one folder or one
//! message of the store for as long as it exists (a message's key may change when it moves to
//! another folder; [`StoreContent::move_message`] says to what). The runtime puts them in entry
//! IDs it mints and gets them back only from IDs it has checked are this store's
//! ([`super::entry_id`]), but a key is still input from outside the provider: look it up among
//! the store's objects, never use it as a path.
//!
//! Properties are [`Property`] values. The runtime owns the properties that say where an object
//! is and what it is (`PR_ENTRYID`, `PR_RECORD_KEY`, `PR_INSTANCE_KEY`, `PR_PARENT_ENTRYID`,
//! `PR_STORE_ENTRYID`, `PR_STORE_RECORD_KEY`, `PR_STORE_SUPPORT_MASK`, `PR_OBJECT_TYPE`, a
//! folder's `PR_CONTENT_COUNT`, `PR_CONTENT_UNREAD`, `PR_SUBFOLDERS` and `PR_FOLDER_TYPE`, an open
//! message's `PR_HASATTACH` (from its attachments; a contents-table row shows the summary's), a
//! recipient's `PR_ROWID`, an attachment's `PR_ATTACH_NUM`): what a
//! provider gives for them is replaced, so tables and objects always agree.

use windows_core::HRESULT;

use crate::codes::{MAPI_E_CORRUPT_DATA, MAPI_E_NO_ACCESS};
use crate::flags::MSGFLAG_READ;
use crate::props::encoding::{Reader, Writer};
use crate::props::{PropValue, Property};
use crate::provider::{ProviderError, ProviderResult};
use crate::tags::{PR_MESSAGE_FLAGS, prop_id};

/// A folder: its key, its parent's (`None` for the root) and its own properties
/// (`PR_DISPLAY_NAME_W`, `PR_CONTAINER_CLASS_W`, `PR_COMMENT_W`, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct Folder {
    pub key: Vec<u8>,
    pub parent: Option<Vec<u8>>,
    pub props: Vec<Property>,
}

/// A message as a folder's contents table lists it: its key and the properties the table's
/// columns show (`PR_SUBJECT_W`, `PR_SENDER_NAME_W`, `PR_MESSAGE_DELIVERY_TIME`,
/// `PR_MESSAGE_FLAGS`, `PR_MESSAGE_SIZE`, `PR_MESSAGE_CLASS_W`, ...). Cheap to produce for a
/// whole folder: it is what the provider keeps in its index, not the message's whole content.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageSummary {
    pub key: Vec<u8>,
    pub props: Vec<Property>,
}

impl MessageSummary {
    /// A summary of message `key` with room for `props` properties and for the ones the
    /// runtime adds to its contents-table row, whose vector then becomes the row as it is
    /// (a store listing thousands of messages saves a copy of each).
    pub fn with_capacity(key: Vec<u8>, props: usize) -> Self {
        Self {
            key,
            props: Vec::with_capacity(props + super::model::ROW_IDENTITY_PROPS),
        }
    }
}

/// A message's whole content: its properties (bodies included: `PR_BODY_W`, `PR_HTML`), its
/// recipients (one property row each: `PR_DISPLAY_NAME_W`, `PR_EMAIL_ADDRESS_W`,
/// `PR_ADDRTYPE_W`, `PR_RECIPIENT_TYPE`, ...) and its attachments, in order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Message {
    pub props: Vec<Property>,
    pub recipients: Vec<Vec<Property>>,
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// The deepest chain of embedded messages [`Message::from_bytes`] reads: deeper is
    /// corrupt (no client nests messages so deep, and the reading recurses).
    pub const MAX_EMBEDDING_DEPTH: usize = 64;

    /// The message encoded whole, for a provider to keep it as it is (a Maildir's
    /// folder-associated messages): the [`encoding`](crate::props::encoding)'s version, then
    /// `message := props recipients:n props* attachments:n (props embedded:u8 [message])*`,
    /// `embedded` 1 when an embedded message follows, else 0.
    pub fn to_bytes(&self) -> Vec<u8> {
        fn write(w: &mut Writer, message: &Message) {
            w.props(&message.props);
            w.count(message.recipients.len());
            for recipient in &message.recipients {
                w.props(recipient);
            }
            w.count(message.attachments.len());
            for attachment in &message.attachments {
                w.props(&attachment.props);
                match &attachment.embedded {
                    Some(embedded) => {
                        w.byte(1);
                        write(w, embedded);
                    }
                    None => w.byte(0),
                }
            }
        }
        let mut writer = Writer::versioned();
        write(&mut writer, self);
        writer.into_bytes()
    }

    /// A message [`Message::to_bytes`] encoded; `MAPI_E_CORRUPT_DATA` for anything else
    /// (the bytes are untrusted: see [`encoding`](crate::props::encoding)).
    pub fn from_bytes(bytes: &[u8]) -> Result<Message, HRESULT> {
        fn read(r: &mut Reader<'_>, depth: usize) -> Result<Message, HRESULT> {
            if depth > Message::MAX_EMBEDDING_DEPTH {
                return Err(MAPI_E_CORRUPT_DATA);
            }
            let props = r.props()?;
            // A list is at least its count's byte.
            let recipients = (0..r.count(1)?)
                .map(|_| r.props())
                .collect::<Result<_, _>>()?;
            let attachments = (0..r.count(2)?)
                .map(|_| {
                    let props = r.props()?;
                    let embedded = match r.byte()? {
                        0 => None,
                        1 => Some(Box::new(read(r, depth + 1)?)),
                        _ => return Err(MAPI_E_CORRUPT_DATA),
                    };
                    Ok(Attachment { props, embedded })
                })
                .collect::<Result<_, _>>()?;
            Ok(Message {
                props,
                recipients,
                attachments,
            })
        }
        let mut reader = Reader::versioned(bytes)?;
        let message = read(&mut reader, 0)?;
        reader.finish()?;
        Ok(message)
    }
}

/// One attachment: its properties (`PR_ATTACH_METHOD`, `PR_ATTACH_FILENAME_W`,
/// `PR_ATTACH_MIME_TAG_W`, `PR_ATTACH_DATA_BIN`, `PR_ATTACH_SIZE`, ...) and, for
/// `ATTACH_EMBEDDED_MSG`, the embedded message (`PR_ATTACH_DATA_OBJ`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attachment {
    pub props: Vec<Property>,
    pub embedded: Option<Box<Message>>,
}

/// A message of the store, with the folder it is in.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub folder: Vec<u8>,
    pub message: Message,
}

/// The folders the store's properties and `GetReceiveFolder` name, as MAPI clients look for
/// them (`PR_IPM_SUBTREE_ENTRYID`, `PR_IPM_OUTBOX_ENTRYID`, `PR_IPM_WASTEBASKET_ENTRYID`,
/// `PR_IPM_SENTMAIL_ENTRYID`; the receive folder for `IPM`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecialFolder {
    /// The top of the folders a user sees (Outlook shows nothing above it).
    IpmSubtree,
    /// Where new mail is delivered: `GetReceiveFolder` of the `IPM` class (and of `""`).
    Inbox,
    Outbox,
    SentItems,
    DeletedItems,
    Drafts,
}

/// A change to the store that did not come through the runtime: a message another program
/// delivered into the Maildir, a file that vanished. The runtime updates the open tables and
/// sends the notifications the docs list.
#[derive(Clone, Debug, PartialEq)]
pub enum ContentChange {
    MessageAdded { folder: Vec<u8>, key: Vec<u8> },
    MessageModified { folder: Vec<u8>, key: Vec<u8> },
    MessageDeleted { folder: Vec<u8>, key: Vec<u8> },
    FolderAdded { parent: Vec<u8>, key: Vec<u8> },
    FolderDeleted { parent: Vec<u8>, key: Vec<u8> },
}

/// The answer of a write a read-only store does not do.
fn read_only() -> ProviderError {
    ProviderError::new(MAPI_E_NO_ACCESS, "the store is read-only")
}

/// What a store holds: its folders and messages, read and (optionally) written. Every method may
/// be called from any thread; a method that fails says why with a [`ProviderError`]
/// (`MAPI_E_NOT_FOUND` for a key that names nothing, any longer, `MAPI_E_NO_ACCESS` for a
/// write the store refuses, `MAPI_E_DISK_ERROR` or `MAPI_E_CORRUPT_DATA` for what the
/// backing storage answered).
///
/// The write methods default to `MAPI_E_NO_ACCESS`: a store that implements none of them is a
/// read-only store (declare `STORE_READONLY` in its support mask). A write is whole or nothing:
/// when it fails, the store is as it was.
pub trait StoreContent: Send + Sync + 'static {
    /// The key of the root folder: the top of the store's hierarchy, what `OpenEntry` with no
    /// entry ID opens; the IPM subtree is usually one of its subfolders.
    fn root(&self) -> Vec<u8>;

    /// The folder `key`.
    fn folder(&self, key: &[u8]) -> ProviderResult<Folder>;

    /// The folders directly below `key`, in display order.
    fn subfolders(&self, key: &[u8]) -> ProviderResult<Vec<Folder>>;

    /// The messages in folder `key`, as its contents table lists them: not its
    /// folder-associated ones ([`Self::associated_messages`]).
    fn messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>>;

    /// Whether the store keeps folder-associated messages (the hidden ones Outlook keeps its
    /// views and forms in: `CreateMessage` with `MAPI_ASSOCIATED`, `GetContentsTable` with
    /// `MAPI_ASSOCIATED`). A store that does lists them in [`Self::associated_messages`] and
    /// tells them from the others by `MSGFLAG_ASSOCIATED` in their `PR_MESSAGE_FLAGS`, which
    /// the runtime sets on them at every [`Self::save_message`]; they are messages in every
    /// other respect (opened, saved, moved, deleted by key). By default not: `CreateMessage`
    /// with `MAPI_ASSOCIATED` is then `MAPI_E_NO_SUPPORT`, and the associated contents table
    /// empty.
    fn supports_associated(&self) -> bool {
        false
    }

    /// The folder-associated messages of folder `key`, as its associated contents table lists
    /// them (see [`Self::supports_associated`]). By default none.
    fn associated_messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        let _ = folder;
        Ok(Vec::new())
    }

    /// The message `key`, whole, with the folder it is in.
    fn message(&self, key: &[u8]) -> ProviderResult<StoredMessage>;

    /// Folder `folder`'s message count and unread count (messages whose `PR_MESSAGE_FLAGS`
    /// lacks `MSGFLAG_READ`), as its contents table would count them: `PR_CONTENT_COUNT` and
    /// `PR_CONTENT_UNREAD` of a folder whose contents table is not open yet, for every row of
    /// a hierarchy table. By default counted from [`Self::messages`]; a store that can count
    /// without reading its messages (a Maildir's file names carry the read flag) should, so
    /// that showing the folder list reads no message.
    fn message_counts(&self, folder: &[u8]) -> ProviderResult<(u32, u32)> {
        let messages = self.messages(folder)?;
        let unread = messages
            .iter()
            .filter(|summary| {
                !summary.props.iter().any(|p| {
                    u32::from(p.id) == prop_id(PR_MESSAGE_FLAGS)
                        && matches!(p.value, PropValue::Long(flags) if flags & MSGFLAG_READ != 0)
                })
            })
            .count();
        Ok((messages.len() as u32, unread as u32))
    }

    /// The contents-table summary of message `key` (after a change to it): by default its
    /// whole properties, read with [`Self::message`]; a store with an index answers from it.
    fn message_summary(&self, key: &[u8]) -> ProviderResult<MessageSummary> {
        let stored = self.message(key)?;
        Ok(MessageSummary {
            key: key.to_vec(),
            props: stored.message.props,
        })
    }

    /// The key of a special folder, if the store has it.
    fn special_folder(&self, which: SpecialFolder) -> Option<Vec<u8>> {
        let _ = which;
        None
    }

    /// The changes made by others since the last call (the first call: since the store was
    /// opened). The runtime asks before it opens a table or an object and before an open
    /// contents view reads its rows, so a store that watches its storage (a Maildir's `new/`
    /// and `cur/`) shows others' changes at the next query at the latest: keep it cheap (a few
    /// `stat`s). By default none: everything changes through the runtime.
    fn changes(&self) -> Vec<ContentChange> {
        Vec::new()
    }

    /// Saves what the store keeps in memory to use again after a later logon (an index, a
    /// cache): called when the store is logged off, and at `DoFastShutdown`, after which no
    /// call into MAPI may follow. By default nothing. What it saves must be a cache only: a
    /// failure (answered at a fast shutdown, dropped at a logoff) loses no content.
    fn flush(&self) -> ProviderResult<()> {
        Ok(())
    }

    /// The store's named-property map as [`Self::save_names`] last kept it (the bytes of
    /// [`NamedProperties::to_bytes`]), read at logon, so that the names clients map keep
    /// their IDs (0x8000 and up) from one logon to the next, as the properties saved under
    /// those IDs do. `None`: no map kept (a new store; by default, a store that keeps none),
    /// the map starts empty. Bytes that are no map fail the logon with `MAPI_E_CORRUPT_DATA`:
    /// a store that may find its copy damaged checks it with [`NamedProperties::from_bytes`]
    /// first, and sets it aside.
    ///
    /// [`NamedProperties::to_bytes`]: crate::props::names::NamedProperties::to_bytes
    /// [`NamedProperties::from_bytes`]: crate::props::names::NamedProperties::from_bytes
    fn names(&self) -> ProviderResult<Option<Vec<u8>>> {
        Ok(None)
    }

    /// Keeps the store's named-property map, `map` (the bytes of
    /// [`NamedProperties::to_bytes`](crate::props::names::NamedProperties::to_bytes)), for
    /// [`Self::names`] to answer at the next logon; durable when it returns. Called when the
    /// map has grown since it was last kept: before the runtime's next write of properties
    /// (a message's save, a folder's `SetProps`), which a failure here fails, so that no
    /// property is kept under an ID whose name is not; and at logoff and `Flush`. By default
    /// nothing is kept.
    fn save_names(&self, map: &[u8]) -> ProviderResult<()> {
        let _ = map;
        Ok(())
    }

    /// Creates a folder named `name` below `parent`, with `props` (the client's, such as
    /// `PR_CONTAINER_CLASS_W`; `PR_DISPLAY_NAME_W` is `name`). A sibling of that name already
    /// there is `MAPI_E_COLLISION`.
    fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        props: &[Property],
    ) -> ProviderResult<Folder> {
        let _ = (parent, name, props);
        Err(read_only())
    }

    /// Deletes folder `key` with everything in it (the runtime checks `DEL_FOLDERS` and
    /// `DEL_MESSAGES` against what it holds first).
    fn delete_folder(&self, key: &[u8]) -> ProviderResult<()> {
        let _ = key;
        Err(read_only())
    }

    /// Moves folder `key` below `new_parent`, renamed to `new_name` when given; the folder keeps
    /// its contents. Answers the folder as it is now (its key may have changed).
    fn move_folder(
        &self,
        key: &[u8],
        new_parent: &[u8],
        new_name: Option<&str>,
    ) -> ProviderResult<Folder> {
        let _ = (key, new_parent, new_name);
        Err(read_only())
    }

    /// Replaces folder `key`'s own properties with `props`: all of them, what is not there is
    /// deleted (the runtime reads them with [`Self::folder`], changes what the client's
    /// `SetProps` or `DeleteProps` asked, and passes the result; the runtime's own are never
    /// among them). A `PR_DISPLAY_NAME_W` other than the folder's renames it, under the rule
    /// of [`Self::move_folder`]: a sibling of that name already there is `MAPI_E_COLLISION`.
    /// Answers the folder as it is now. A renamed folder should keep its key, so that the
    /// entry IDs clients hold still name it; a provider whose folder keys are names (a
    /// directory's) answers the renamed folder under its new key, with the folders below it
    /// under theirs, as [`Self::move_folder`] does, and the runtime tells the rename as the
    /// move it is (`fnevObjectMoved`, the old entry ID naming nothing any more). Only a rename
    /// may change the key.
    fn set_folder_props(&self, key: &[u8], props: &[Property]) -> ProviderResult<Folder> {
        let _ = (key, props);
        Err(read_only())
    }

    /// Saves `message` into `folder`: a new message when `key` is `None`, else in place of the
    /// message `key` (all of it: properties, recipients, attachments). Answers the message's key
    /// (a new one for a new message; it may change on a save too). Durable when it returns: a
    /// crash at any point leaves either the old message or the new one, whole.
    fn save_message(
        &self,
        folder: &[u8],
        key: Option<&[u8]>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        let _ = (folder, key, message);
        Err(read_only())
    }

    /// Copies the message `key` into folder `to` as a new message; answers the copy's key. By
    /// default the message is read whole and saved there ([`Self::message`], then
    /// [`Self::save_message`]); a provider whose messages are more than their MAPI properties
    /// (a file's own bytes, headers no property holds) copies them as they are.
    fn copy_message(&self, key: &[u8], to: &[u8]) -> ProviderResult<Vec<u8>> {
        let stored = self.message(key)?;
        self.save_message(to, None, &stored.message)
    }

    /// Deletes the message `key`.
    fn delete_message(&self, key: &[u8]) -> ProviderResult<()> {
        let _ = key;
        Err(read_only())
    }

    /// Moves the message `key` into folder `to`; answers its key there.
    fn move_message(&self, key: &[u8], to: &[u8]) -> ProviderResult<Vec<u8>> {
        let _ = (key, to);
        Err(read_only())
    }

    /// Sets the message's `PR_MESSAGE_FLAGS` (read, unsent, ...) and its other state
    /// properties given (`PR_FLAG_STATUS`, `PR_MSG_STATUS`), without rewriting its content: what
    /// `SetReadFlag`, `SetReadFlags`, `SetMessageStatus` and a flag-only `SaveChanges` do.
    fn set_message_state(&self, key: &[u8], state: &[Property]) -> ProviderResult<()> {
        let _ = (key, state);
        Err(read_only())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tags::{PR_ATTACH_DATA_BIN, PR_DISPLAY_NAME_W, PR_SUBJECT_W};

    fn text(tag: u32, text: &str) -> Property {
        Property::for_tag(tag, PropValue::Unicode(text.into()))
    }

    /// A message with recipients, an attachment and an embedded message `depth` deep.
    fn nested(depth: usize) -> Message {
        let mut message = Message {
            props: vec![
                text(PR_SUBJECT_W, "view"),
                Property::new(0x8004, PropValue::Binary(vec![0, 1, 2])),
            ],
            recipients: vec![vec![text(PR_DISPLAY_NAME_W, "Ann")], Vec::new()],
            attachments: vec![Attachment {
                props: vec![Property::for_tag(
                    PR_ATTACH_DATA_BIN,
                    PropValue::Binary(vec![7]),
                )],
                embedded: None,
            }],
        };
        for _ in 0..depth {
            message = Message {
                props: vec![text(PR_SUBJECT_W, "outer")],
                recipients: Vec::new(),
                attachments: vec![Attachment {
                    props: Vec::new(),
                    embedded: Some(Box::new(message)),
                }],
            };
        }
        message
    }

    #[test]
    fn a_message_round_trips_whole_and_damage_is_corrupt_data() {
        let message = nested(2);
        let bytes = message.to_bytes();
        assert_eq!(Message::from_bytes(&bytes), Ok(message));
        for cut in 0..bytes.len() {
            assert_eq!(Message::from_bytes(&bytes[..cut]), Err(MAPI_E_CORRUPT_DATA));
        }
        for at in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[at] ^= 0xFF;
            // Never a panic; a change that still decodes is another message.
            if let Ok(other) = Message::from_bytes(&changed) {
                assert_ne!(other.to_bytes(), bytes);
            }
        }
    }

    #[test]
    fn embedding_deeper_than_the_limit_is_corrupt_data() {
        let limit = Message::MAX_EMBEDDING_DEPTH;
        let deepest = nested(limit);
        assert_eq!(Message::from_bytes(&deepest.to_bytes()), Ok(deepest));
        let deeper = nested(limit + 1).to_bytes();
        assert_eq!(Message::from_bytes(&deeper), Err(MAPI_E_CORRUPT_DATA));
    }
}
