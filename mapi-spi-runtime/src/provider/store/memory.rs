//! [`MemoryContent`]: a store's contents held in memory, read and written through
//! [`StoreContent`]. The in-memory sample store is one; tests and scratch stores use it too.

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::content::{Folder, Message, MessageSummary, SpecialFolder, StoreContent, StoredMessage};
use crate::codes::{MAPI_E_COLLISION, MAPI_E_FOLDER_CYCLE, MAPI_E_NOT_FOUND};
use crate::flags::MSGFLAG_ASSOCIATED;
use crate::props::{PropValue, Property};
use crate::provider::{ProviderError, ProviderResult};
use crate::tags::{PR_DISPLAY_NAME_W, PR_MESSAGE_FLAGS, prop_id};

/// Folders and messages in memory. Keys are `f` or `m` and a number, never reused.
pub struct MemoryContent {
    state: RwLock<State>,
    /// Whether it keeps folder-associated messages ([`Self::with_associated_messages`]).
    associated: bool,
}

struct State {
    folders: HashMap<Vec<u8>, FolderEntry>,
    messages: HashMap<Vec<u8>, StoredMessage>,
    special: HashMap<SpecialFolder, Vec<u8>>,
    next: u64,
}

struct FolderEntry {
    parent: Option<Vec<u8>>,
    props: Vec<Property>,
    /// Subfolders, in creation order (the display order).
    children: Vec<Vec<u8>>,
    /// Messages, in arrival order.
    messages: Vec<Vec<u8>>,
}

/// The key of the root folder.
const ROOT: &[u8] = b"f0";

fn not_found(what: &str) -> ProviderError {
    ProviderError::new(MAPI_E_NOT_FOUND, format!("no such {what}"))
}

/// `props` with `PR_DISPLAY_NAME_W` set to `name`.
fn named(name: &str, props: &[Property]) -> Vec<Property> {
    let mut props: Vec<Property> = props
        .iter()
        .filter(|p| u32::from(p.id) != prop_id(PR_DISPLAY_NAME_W))
        .cloned()
        .collect();
    props.push(Property::for_tag(
        PR_DISPLAY_NAME_W,
        PropValue::Unicode(name.into()),
    ));
    props
}

/// Whether a message with `props` is folder-associated: `MSGFLAG_ASSOCIATED` in its
/// `PR_MESSAGE_FLAGS`.
fn is_associated(props: &[Property]) -> bool {
    props.iter().any(|p| {
        u32::from(p.id) == prop_id(PR_MESSAGE_FLAGS)
            && matches!(p.value, PropValue::Long(flags) if flags & MSGFLAG_ASSOCIATED != 0)
    })
}

fn display_name(props: &[Property]) -> Option<&str> {
    props
        .iter()
        .find_map(|p| match (u32::from(p.id), &p.value) {
            (id, PropValue::Unicode(name)) if id == prop_id(PR_DISPLAY_NAME_W) => {
                Some(name.as_str())
            }
            _ => None,
        })
}

impl State {
    fn folder(&self, key: &[u8]) -> ProviderResult<&FolderEntry> {
        self.folders.get(key).ok_or_else(|| not_found("folder"))
    }

    fn folder_mut(&mut self, key: &[u8]) -> ProviderResult<&mut FolderEntry> {
        self.folders.get_mut(key).ok_or_else(|| not_found("folder"))
    }

    fn new_key(&mut self, prefix: u8) -> Vec<u8> {
        self.next += 1;
        let mut key = vec![prefix];
        key.extend_from_slice(self.next.to_string().as_bytes());
        key
    }

    fn described(&self, key: &[u8]) -> ProviderResult<Folder> {
        let entry = self.folder(key)?;
        Ok(Folder {
            key: key.to_vec(),
            parent: entry.parent.clone(),
            props: entry.props.clone(),
        })
    }

    /// `MAPI_E_COLLISION` if `parent` has a subfolder named `name` (case-insensitively, as
    /// Outlook compares folder names), other than `except`.
    fn check_name_free(
        &self,
        parent: &[u8],
        name: &str,
        except: Option<&[u8]>,
    ) -> ProviderResult<()> {
        let taken = self.folder(parent)?.children.iter().any(|child| {
            Some(child.as_slice()) != except
                && display_name(&self.folders[child].props)
                    .is_some_and(|other| other.to_lowercase() == name.to_lowercase())
        });
        if taken {
            return Err(ProviderError::new(
                MAPI_E_COLLISION,
                format!("a folder named \"{name}\" is already there"),
            ));
        }
        Ok(())
    }

    fn remove_folder_tree(&mut self, key: &[u8]) {
        if let Some(entry) = self.folders.remove(key) {
            for message in entry.messages {
                self.messages.remove(&message);
            }
            for child in entry.children {
                self.remove_folder_tree(&child);
            }
        }
        self.special.retain(|_, special| special != key);
    }

    fn is_within(&self, key: &[u8], ancestor: &[u8]) -> bool {
        let mut at = Some(key.to_vec());
        while let Some(folder) = at {
            if folder == ancestor {
                return true;
            }
            at = self.folders.get(&folder).and_then(|f| f.parent.clone());
        }
        false
    }
}

impl Default for MemoryContent {
    fn default() -> Self {
        Self::new("Root")
    }
}

impl MemoryContent {
    /// Contents with only a root folder named `root_name`.
    pub fn new(root_name: &str) -> Self {
        let root = FolderEntry {
            parent: None,
            props: named(root_name, &[]),
            children: Vec::new(),
            messages: Vec::new(),
        };
        Self {
            state: RwLock::new(State {
                folders: HashMap::from([(ROOT.to_vec(), root)]),
                messages: HashMap::new(),
                special: HashMap::new(),
                next: 0,
            }),
            associated: false,
        }
    }

    /// The same content, keeping folder-associated messages
    /// ([`StoreContent::supports_associated`]): those saved with `MSGFLAG_ASSOCIATED` are
    /// listed by [`StoreContent::associated_messages`], the others by
    /// [`StoreContent::messages`].
    pub fn with_associated_messages(mut self) -> Self {
        self.associated = true;
        self
    }

    /// The messages of folder `folder` that are (`associated`) or are not folder-associated.
    fn listed(&self, folder: &[u8], associated: bool) -> ProviderResult<Vec<MessageSummary>> {
        let state = self.read();
        Ok(state
            .folder(folder)?
            .messages
            .iter()
            .map(|key| (key, &state.messages[key].message.props))
            .filter(|(_, props)| is_associated(props) == associated)
            .map(|(key, props)| MessageSummary {
                key: key.clone(),
                props: props.clone(),
            })
            .collect())
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|p| p.into_inner())
    }

    /// Names `key` as the store's special folder `which`.
    pub fn set_special_folder(&self, which: SpecialFolder, key: &[u8]) -> ProviderResult<()> {
        let mut state = self.write();
        state.folder(key)?;
        state.special.insert(which, key.to_vec());
        Ok(())
    }
}

impl StoreContent for MemoryContent {
    fn root(&self) -> Vec<u8> {
        ROOT.to_vec()
    }

    fn folder(&self, key: &[u8]) -> ProviderResult<Folder> {
        self.read().described(key)
    }

    fn subfolders(&self, key: &[u8]) -> ProviderResult<Vec<Folder>> {
        let state = self.read();
        state
            .folder(key)?
            .children
            .iter()
            .map(|child| state.described(child))
            .collect()
    }

    fn messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        self.listed(folder, false)
    }

    fn supports_associated(&self) -> bool {
        self.associated
    }

    fn associated_messages(&self, folder: &[u8]) -> ProviderResult<Vec<MessageSummary>> {
        self.listed(folder, true)
    }

    fn message(&self, key: &[u8]) -> ProviderResult<StoredMessage> {
        self.read()
            .messages
            .get(key)
            .cloned()
            .ok_or_else(|| not_found("message"))
    }

    fn special_folder(&self, which: SpecialFolder) -> Option<Vec<u8>> {
        self.read().special.get(&which).cloned()
    }

    fn create_folder(
        &self,
        parent: &[u8],
        name: &str,
        props: &[Property],
    ) -> ProviderResult<Folder> {
        let mut state = self.write();
        state.check_name_free(parent, name, None)?;
        let key = state.new_key(b'f');
        state.folder_mut(parent)?.children.push(key.clone());
        let entry = FolderEntry {
            parent: Some(parent.to_vec()),
            props: named(name, props),
            children: Vec::new(),
            messages: Vec::new(),
        };
        state.folders.insert(key.clone(), entry);
        state.described(&key)
    }

    fn delete_folder(&self, key: &[u8]) -> ProviderResult<()> {
        let mut state = self.write();
        let Some(parent) = state.folder(key)?.parent.clone() else {
            return Err(ProviderError::new(
                crate::codes::MAPI_E_NO_ACCESS,
                "the root folder cannot be deleted",
            ));
        };
        state
            .folder_mut(&parent)?
            .children
            .retain(|child| child != key);
        state.remove_folder_tree(key);
        Ok(())
    }

    fn move_folder(
        &self,
        key: &[u8],
        new_parent: &[u8],
        new_name: Option<&str>,
    ) -> ProviderResult<Folder> {
        let mut state = self.write();
        let Some(old_parent) = state.folder(key)?.parent.clone() else {
            return Err(ProviderError::new(
                crate::codes::MAPI_E_NO_ACCESS,
                "the root folder cannot be moved",
            ));
        };
        state.folder(new_parent)?;
        if state.is_within(new_parent, key) {
            return Err(ProviderError::new(
                MAPI_E_FOLDER_CYCLE,
                "a folder cannot move below itself",
            ));
        }
        let name = match new_name {
            Some(name) => name.to_owned(),
            None => display_name(&state.folder(key)?.props)
                .unwrap_or_default()
                .to_owned(),
        };
        state.check_name_free(new_parent, &name, Some(key))?;
        state
            .folder_mut(&old_parent)?
            .children
            .retain(|child| child != key);
        state.folder_mut(new_parent)?.children.push(key.to_vec());
        let entry = state.folder_mut(key)?;
        entry.parent = Some(new_parent.to_vec());
        entry.props = named(&name, &entry.props);
        state.described(key)
    }

    /// A `props` without `PR_DISPLAY_NAME_W` keeps the folder's name.
    fn set_folder_props(&self, key: &[u8], props: &[Property]) -> ProviderResult<Folder> {
        let mut state = self.write();
        let entry = state.folder(key)?;
        let name = display_name(props)
            .or_else(|| display_name(&entry.props))
            .unwrap_or_default()
            .to_owned();
        if let Some(parent) = entry.parent.clone() {
            state.check_name_free(&parent, &name, Some(key))?;
        }
        state.folder_mut(key)?.props = named(&name, props);
        state.described(key)
    }

    fn save_message(
        &self,
        folder: &[u8],
        key: Option<&[u8]>,
        message: &Message,
    ) -> ProviderResult<Vec<u8>> {
        let mut state = self.write();
        state.folder(folder)?;
        let key = match key {
            Some(key) => {
                let stored = state
                    .messages
                    .get(key)
                    .ok_or_else(|| not_found("message"))?;
                if stored.folder != folder {
                    return Err(not_found("message in that folder"));
                }
                key.to_vec()
            }
            None => {
                let key = state.new_key(b'm');
                state.folder_mut(folder)?.messages.push(key.clone());
                key
            }
        };
        let stored = StoredMessage {
            folder: folder.to_vec(),
            message: message.clone(),
        };
        state.messages.insert(key.clone(), stored);
        Ok(key)
    }

    fn delete_message(&self, key: &[u8]) -> ProviderResult<()> {
        let mut state = self.write();
        let stored = state
            .messages
            .remove(key)
            .ok_or_else(|| not_found("message"))?;
        state
            .folder_mut(&stored.folder)?
            .messages
            .retain(|m| m != key);
        Ok(())
    }

    fn move_message(&self, key: &[u8], to: &[u8]) -> ProviderResult<Vec<u8>> {
        let mut state = self.write();
        state.folder(to)?;
        let from = state
            .messages
            .get(key)
            .ok_or_else(|| not_found("message"))?
            .folder
            .clone();
        if from != to {
            state.folder_mut(&from)?.messages.retain(|m| m != key);
            state.folder_mut(to)?.messages.push(key.to_vec());
            state.messages.get_mut(key).expect("looked up").folder = to.to_vec();
        }
        Ok(key.to_vec())
    }

    fn set_message_state(&self, key: &[u8], state_props: &[Property]) -> ProviderResult<()> {
        let mut state = self.write();
        let stored = state
            .messages
            .get_mut(key)
            .ok_or_else(|| not_found("message"))?;
        let props = &mut stored.message.props;
        for new in state_props {
            match props
                .iter_mut()
                .find(|p| u32::from(p.id) == u32::from(new.id))
            {
                Some(old) => *old = new.clone(),
                None => props.push(new.clone()),
            }
        }
        Ok(())
    }
}
