"""Data: take your data with you, bring it back, back it up, or erase it for good."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from mendwell import archive, audit
from mendwell.backups import backups_folder, delete_backups, list_backups
from mendwell.config import db_path
from mendwell.errors import ArchiveError, MendwellError
from mendwell.export import FORMATS, export, scope_for
from mendwell.page_style import WRAPPED_CODE_KEY
from mendwell.text import counted, listed, possessive
from ui import feedback, state
from ui.auth import sealing_key
from ui.gates import sealing_key_gate
from ui.page import page_setup, safe
from ui.resources import forget_erased

# the export formats in words a couple reads (the keys are `mendwell.export.FORMATS`)
FORMAT_WORDS = {"csv": "Spreadsheet (CSV)", "parquet": "Parquet (for data tools)", "json": "JSON (for programs)"}
page = page_setup("Your data", page="data", needs_couple=False)
db, couple, viewer = page.db, page.couple, page.viewer
stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")

# -- export -------------------------------------------------------------------------------------
st.header("Export")
if viewer.is_partner:
    st.caption(
        "Your couple's answers as tables you can open in a spreadsheet: everything the two of you share, and "
        "your own private answers and notes, opened for you. Your partner's answers are in it from the months "
        "you have both checked in for; their private answers and notes are never in it, nor the private safety "
        "check."
    )
elif couple is not None:
    st.caption(
        f"{possessive(safe(couple.name))} shared answers, from the check-ins they submitted, as tables you can "
        "open in a spreadsheet. Private answers, private notes and the private safety check are never in it."
    )
if couple is None:
    st.info("There is no couple to export yet.")
elif viewer.is_partner and not sealing_key_gate(db, viewer):
    pass  # their private notes go in opened: the passcode first, after a restart of the server
else:
    with st.form("export_form"):
        # one choice a line, keyed: its room is kept while Streamlit fetches a radio's code (`page_style.ROOM_FOR`);
        # in a row it wrapped on a phone and took another height there, and what was under it moved once drawn
        fmt = st.radio("Format", list(FORMATS), format_func=FORMAT_WORDS.__getitem__, key="export_format")
        go_export = st.form_submit_button("Prepare the export")
    if go_export:
        with tempfile.TemporaryDirectory() as tmp:
            written = export(db, Path(tmp), fmt, couple.couple_id, scope_for(viewer), sealing_key(viewer))
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
                for path in written.values():
                    zf.write(path, path.name)
        audit.record(db, viewer.actor, audit.EXPORT, couple.couple_id, fmt)
        # kept for this tab with the couple it holds: another couple chosen later is not offered this file
        st.session_state[state.EXPORT_ZIP] = (couple.couple_id, buffer.getvalue())
    prepared = st.session_state.get(state.EXPORT_ZIP)
    if isinstance(prepared, tuple) and prepared[0] == couple.couple_id:
        st.download_button(
            "Download the export (.zip)", prepared[1],
            file_name=f"mendwell-export-{stamp}.zip", mime="application/zip", on_click="ignore",
            icon=":material/download:",
        )  # fmt: skip

if not viewer.is_owner:
    st.caption("Archives, imports, backups and erasing are looked after by the practice owner.")
    st.stop()

# -- the owner: archive, import, backup, erase -------------------------------------------------------
st.markdown(
    "Everything Mendwell knows lives in one file on the computer that runs Mendwell: "
    f"{safe(str(db_path()))}. Here you can take a whole copy, bring one back, or erase it for good."
)

# -- archive ------------------------------------------------------------------------------------
st.header("Archive")
st.markdown(
    "An archive is one .zip file holding everything: every couple, every partner's private answers and notes "
    "included. So it is made at the command line of the computer that runs Mendwell, by someone who may open its "
    "files, never downloaded through a browser. While Mendwell runs, the command asks it to write the archive:"
)
# plain and wrapped (`page_style.WRAPPED_CODE_KEY`): shell colours fall below 4.5:1 contrast, and a keyboard cannot
# scroll a block sideways. Words in a paragraph, not `st.code` nor a Markdown block: Streamlit fetches their code the
# first time a page shows one, and what was under the command moved down once it came (by a height that follows the
# width and the path, so no room can be kept for it)
with st.container(key=WRAPPED_CODE_KEY):
    st.markdown(f"`MENDWELL_DB={db_path()} .venv/bin/mendwell archive mendwell-archive-{stamp}.zip`")
st.caption("Add `--couple ID` for one couple. Bring it to another Mendwell with Import below, or `mendwell import`.")

# -- import -------------------------------------------------------------------------------------
st.header("Import an archive")
st.caption(
    "Choose one archive: the .zip file `mendwell archive` makes. The whole file is checked first; then "
    "everything new in it is added at once, or nothing is. Importing the same archive twice changes nothing."
)
# Any file is taken (no `type=`): the uploader would refuse another kind with a hover tooltip only, so the
# page says why in plain words instead.
# a new key once an archive is imported: the page then forgets the file instead of offering it again
imported_before = st.session_state.get(state.IMPORT_UPLOADS, 0)
upload = st.file_uploader(
    "Archive file (.zip)", key="import_upload" + (f"_{imported_before}" if imported_before else "")
)
if imported := st.session_state.pop(state.IMPORT_FLASH, None):
    st.success(imported)

ZIP_START = b"PK\x03\x04"  # how every zip file begins, a whole one or one cut short


def _not_an_archive(name: str, content: bytes) -> str | None:
    """Why a file cannot be imported before it is even opened: "not" an archive (not named .zip, not a zip
    inside, or a zip with no manifest: a spreadsheet export is a zip too), "cut short" (a zip whose end is
    missing: a download that did not finish), or None."""
    if not name.lower().endswith(".zip"):
        return "not"
    if not zipfile.is_zipfile(io.BytesIO(content)):
        return "cut short" if content.startswith(ZIP_START) else "not"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            return None if archive.MANIFEST in zf.namelist() else "not"
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # damaged inside: the import's own checks say how


def _with_upload(work: Callable[[Path], archive.ImportReport]) -> archive.ImportReport | None:
    """Run `work` on the uploaded file (written to a temporary file of our own); None after a kind message."""
    assert upload is not None
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload.zip"
        path.write_bytes(upload.getvalue())
        try:
            return work(path)
        except ArchiveError as exc:
            st.warning("Nothing was imported. Here is what needs fixing in the file:")
            st.code("\n".join(exc.problems), language=None, wrap_lines=True)
        except MendwellError as exc:
            feedback.show(exc)
    return None


why_not = _not_an_archive(upload.name, upload.getvalue()) if upload is not None else None
if upload is not None and why_not == "cut short":
    st.warning(
        f"\u201c{safe(upload.name)}\u201d looks like an archive that is damaged or did not finish downloading "
        "(its end is missing), so nothing was imported. Copy or download it again, then choose it here.",
        icon=":material/draft:",
    )
elif upload is not None and why_not:
    st.warning(
        f"\u201c{safe(upload.name)}\u201d is not a Mendwell archive, so nothing was imported. An archive is the "
        "one .zip file that `mendwell archive` makes (a spreadsheet export or a backup cannot be imported here). "
        "Remove this file with its \u00d7 and choose the archive instead.",
        icon=":material/draft:",
    )
elif upload is not None:
    plan = _with_upload(lambda path: archive.preview_archive(db, path))
    if plan is not None and not any(plan.values()):
        st.info("Nothing new: everything in this archive is already here.")
    elif plan is not None:
        st.markdown("This archive would add:")
        st.markdown("\n".join(f"- {safe(line.strip())}" for line in plan.lines))
        if st.button("Import it", type="primary"):
            added = _with_upload(lambda path: archive.import_archive(db, path))
            if added is not None:
                # counts, never names: the trail outlives whatever is erased later
                audit.record(db, viewer.actor, audit.IMPORT, None, added.counts)
                said = f"Imported {added.words}."
                if added.new_couples and viewer.is_therapist:
                    # the owner who brought them in can open them (no one could before), as with "Add a couple"
                    for new_id in added.new_couples:
                        db.accounts.grant(viewer.account.account_id, new_id)
                        audit.record(db, viewer.actor, audit.ACCOUNT, new_id, "granted imported couple to its importer")
                    names = listed([safe(n) for n in added.new_couples.values()])
                    said += (
                        f" {names} can now be opened from the sidebar; to let another therapist see them, grant them "
                        "on Accounts."
                    )
                st.cache_data.clear()
                st.session_state[state.IMPORT_FLASH] = said
                st.session_state[state.IMPORT_UPLOADS] = imported_before + 1
                st.rerun()

# -- backup -------------------------------------------------------------------------------------
st.header("Backup")
st.caption("A consistent copy of the whole database file, made while Mendwell keeps running.")
if st.button("Make a backup now", icon=":material/backup:"):
    target = backups_folder(db_path()) / f"mendwell-{dt.datetime.now():%Y%m%d-%H%M%S}.duckdb"
    try:
        done = db.backup(target)
        audit.record(db, viewer.actor, audit.BACKUP)
    except MendwellError as exc:
        feedback.show(exc)
    else:
        st.success(f"Saved a backup to {safe(str(done))}.")

# -- erase --------------------------------------------------------------------------------------
st.header("Erase")
st.markdown(
    "Erasing removes the answers, notes and names for good and rewrites the database file, so no trace of "
    "them is left in it. **It cannot be undone**: make an archive first if you may want them back."
)
# said above the forms: the one below now names the next couple
if flash := st.session_state.pop(state.ERASE_FLASH, None):
    st.success(flash)
if couple is not None:
    # a form of this couple's own, emptied once sent: what was typed for one couple is never sent for another
    # (found: the browser kept the erased couple's name in the box, and one more click with nothing typed erased
    # the next couple, which had the same name)
    with st.form(f"erase_couple_{couple.couple_id}", clear_on_submit=True):
        st.markdown(f"Erase **{safe(couple.name)}** (#{couple.couple_id}) and everything they answered.")
        typed = st.text_input("Type the couple's name to confirm")
        if st.form_submit_button("Erase this couple"):
            if not typed.strip() or typed.strip() != couple.name:
                st.warning("The name does not match, so nothing was erased.")
            else:
                with st.spinner("Waiting for the other windows to finish, then erasing…"):
                    db.couples.erase(couple.couple_id)
                audit.record(db, viewer.actor, audit.ERASE, couple.couple_id)
                forget_erased(db)
                st.session_state.pop(state.COUPLE, None)
                st.session_state[state.ERASE_FLASH] = (
                    f"Erased {safe(couple.name)}. Nothing of them is left in the database file."
                )
                st.rerun()
with st.form("erase_all"):
    st.markdown("Erase **everyone** in this database.")
    typed_all = st.text_input("Type \u201cerase everything\u201d to confirm")
    if st.form_submit_button("Erase everything"):
        if typed_all.strip().lower() != "erase everything":
            st.warning("That does not match, so nothing was erased.")
        else:
            with st.spinner("Waiting for the other windows to finish, then erasing…"):
                db.erase_all()
            audit.record(db, viewer.actor, audit.ERASE, None, "everything")
            forget_erased(db)
            st.session_state.pop(state.COUPLE, None)
            st.session_state[state.ERASE_FLASH] = (
                "Everything was erased, every account with it, and the database file was rewritten. Mendwell now "
                "starts afresh, as on its first day."
            )
            st.rerun()
if flash := st.session_state.pop(state.BACKUPS_FLASH, None):
    st.success(flash)
backups = list_backups(db_path())
if backups:
    some, one = counted(len(backups), "backup"), len(backups) == 1
    # said before anything is erased too: what a couple erased now leaves behind, not what was erased
    st.warning(
        f"{some} made here earlier still {'holds' if one else 'hold'} everything {'it' if one else 'they'} held "
        f"when {'it was' if one else 'they were'} made: any couple you erase now, or have erased since, stays in "
        f"{'it' if one else 'them'}. Archives you downloaded hold them too: delete those yourself.",
        icon=":material/warning:",
    )
    if not st.session_state.get(state.CONFIRM_DELETE_BACKUPS):
        if st.button("Delete the backups made here"):
            st.session_state[state.CONFIRM_DELETE_BACKUPS] = True
            st.rerun()
    else:  # asked once more: a backup is the only copy of whatever was erased since
        st.markdown(
            f"Delete {some} for good? Whatever was erased since {'it was' if one else 'they were'} made is then "
            "gone everywhere."
        )
        yes, keep = st.columns(2)
        if yes.button(f"Yes, delete {some} for good", type="primary"):
            deleted = delete_backups(db_path())
            audit.record(db, viewer.actor, audit.ERASE, None, "backups deleted")
            st.session_state.pop(state.CONFIRM_DELETE_BACKUPS, None)
            st.session_state[state.BACKUPS_FLASH] = f"Deleted {counted(deleted, 'backup')}."
            st.rerun()
        if keep.button("Keep them"):
            st.session_state.pop(state.CONFIRM_DELETE_BACKUPS, None)
            st.rerun()
