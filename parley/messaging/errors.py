from __future__ import annotations

from parley.errors import Conflict, Forbidden, Invalid, Locked, NotFound


class ChannelNotFound(NotFound):
    code = "channel_not_found"
    default_message = "No such channel"


class MessageNotFound(NotFound):
    code = "message_not_found"
    default_message = "No such message"


class NotChannelOwner(Forbidden):
    code = "not_channel_owner"
    default_message = "Only the channel owner may do this"


class NotAuthor(Forbidden):
    code = "not_author"
    default_message = "Only the author may do this"


class NotFriends(Forbidden):
    code = "not_friends"
    default_message = "You can only do this with a friend"


class ChannelExists(Conflict):
    code = "channel_exists"
    default_message = "A direct channel with this user already exists"


class ChannelFull(Conflict):
    code = "channel_full"
    default_message = "The channel has reached its member limit"


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = "Already a member"


class NotGroup(Invalid):
    code = "not_a_group"
    default_message = "Only group channels can do this"


class BadContent(Invalid):
    code = "invalid_content"
    default_message = "Messages are 1-4000 characters"


class BadCiphertext(Invalid):
    code = "invalid_ciphertext"
    default_message = "Encrypted channels take ciphertext of 1 character or more, up to the cap"


class KeyMissing(NotFound):
    code = "key_not_found"
    default_message = "No key material stored"


class KeyExists(Forbidden):
    code = "password_required"
    default_message = "Replacing stored key material needs the account password"


class WrongPin(Forbidden):
    code = "wrong_pin"
    default_message = "Wrong PIN"
    commit_anyway = True


class KeyLocked(Locked):
    code = "key_locked"
    default_message = "Too many wrong PINs; the key is locked until an administrator unlocks it"
    commit_anyway = True


class BadEmoji(Invalid):
    code = "invalid_emoji"
    default_message = "A reaction is 1-32 characters without spaces or control characters"


class TooManyReactions(Invalid):
    code = "too_many_reactions"
    default_message = "This message has the most distinct reactions allowed"


class AttachmentTooLarge(Invalid):
    status = 413
    code = "attachment_too_large"
    default_message = "The file is too large"


class AttachmentRejected(Invalid):
    code = "attachment_rejected"
    default_message = "The file cannot be attached"


class AttachmentNotFound(NotFound):
    code = "attachment_not_found"
    default_message = "No such attachment"


class UploadNotFound(NotFound):
    code = "upload_not_found"
    default_message = "No such upload slot of yours in this channel (or it expired)"


class UploadIncomplete(Conflict):
    code = "upload_incomplete"
    default_message = "The file has not been uploaded to the slot's URL yet"


class TooManyUploads(Conflict):
    code = "too_many_uploads"
    default_message = "Too many upload slots open; complete or let some expire first"


class DirectUploadsUnavailable(Conflict):
    code = "direct_uploads_unavailable"
    default_message = (
        "Direct uploads need the S3 storage backend; "
        "upload through POST /v1/channels/{channel_id}/attachments (multipart)"
    )
