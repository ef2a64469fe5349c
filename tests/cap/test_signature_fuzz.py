"""Issue 10 item 8: a structure-aware fuzzer over signed alerts.

An attacker holding a genuinely signed alert can move, copy, wrap, re-namespace and duplicate
its elements (the signature value stays as signed: no key). Whatever they build,
:func:`~eas_encoder.cap.signature.verify` either refuses it or hands back exactly the alert
that was signed; it never raises anything but a :class:`CapError`.
"""

from __future__ import annotations

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from eas_encoder.cap.model import CAP11_NS, CAP12_NS, DSIG_NS
from eas_encoder.cap.signature import sign, verify
from eas_encoder.cap.xml import parse
from eas_encoder.errors import CapError
from tests.fixtures import forgeries
from tests.fixtures.pki import AT, chain, pem

NAMESPACES = (CAP12_NS, CAP11_NS, DSIG_NS, forgeries.ATTACKER_NS, None)
BASES = {"uri": forgeries.signed(), "id": forgeries.signed_by_id(),
         # NAAD-style: a second signer (whose certificate has expired) countersigns.
         "two": sign(forgeries.signed(), pem("expired.key"), chain("expired"))}
SIGNED_ALERT = parse(forgeries.amber())
STORE = [pem("root_ca.pem")]

# One mutation: (kind, a, b, c); the integers pick elements/positions modulo what exists.
OPS = st.tuples(st.sampled_from(("move", "copy", "wrap", "wrap_root", "renamespace",
                                 "duplicate", "hoist", "set_id")),
                st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000))


def _elements(root: etree._Element) -> list[etree._Element]:
    return list(root.iter(etree.Element))


def _apply(root: etree._Element, op: tuple[str, int, int, int]) -> etree._Element:
    """Apply one mutation and return the (possibly new) root."""
    kind, a, b, c = op
    elements = _elements(root)
    el = elements[a % len(elements)]
    if kind == "wrap_root":
        wrapper = etree.Element(f"{{{NAMESPACES[b % len(NAMESPACES)] or ''}}}alert"
                                if b % 2 else f"{{{forgeries.ATTACKER_NS}}}wrapper")
        wrapper.append(root)
        return wrapper
    if kind == "hoist":
        # Another alert at the root, the old root hidden inside it, the signatures moved up.
        other = etree.fromstring(forgeries.amber().replace(b"006059", b"048201"))
        sigs = [s for s in root if s.tag == f"{{{DSIG_NS}}}Signature"]
        etree.SubElement(other, f"{{{forgeries.ATTACKER_NS}}}wrapper").append(root)
        for s in sigs[: 1 + b % 2]:
            (other.append(s) if c % 2 else other.append(copy.deepcopy(s)))
        return other
    if kind == "set_id":
        el.set(("Id", "ID", "id", "{http://www.w3.org/XML/1998/namespace}id")[b % 4], "a1")
        return root
    if kind == "renamespace":
        ns = NAMESPACES[b % len(NAMESPACES)]
        el.tag = f"{{{ns}}}{etree.QName(el).localname}" if ns else etree.QName(el).localname
        return root
    if el is root:
        return root
    if kind == "wrap":
        parent = el.getparent()
        wrapper = etree.Element(f"{{{forgeries.ATTACKER_NS}}}wrapper")
        parent.replace(el, wrapper)
        wrapper.append(el)
        return root
    if kind == "duplicate":
        el.addnext(copy.deepcopy(el))
        return root
    moving = copy.deepcopy(el) if kind == "copy" else el
    targets = [t for t in _elements(root) if t is not el and el not in t.iterancestors()]
    if kind == "move" and el in targets:
        targets.remove(el)
    target = targets[b % len(targets)] if targets else root
    if kind == "move":
        el.getparent().remove(el)
    target.insert(c % (len(target) + 1), moving)
    return root


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(sorted(BASES)), ops=st.lists(OPS, min_size=1, max_size=4))
def test_mutated_signed_alert_verifies_only_as_signed(base: str, ops) -> None:  # type: ignore[no-untyped-def]
    root = etree.fromstring(BASES[base])
    for op in ops:
        root = _apply(root, op)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    try:
        result = verify(data, trust_store=STORE, at=AT)
    except CapError:
        return
    if result.alert is not None:
        assert result.alert == SIGNED_ALERT, ops
        assert parse(result.signed_data) == SIGNED_ALERT
    if result.accepted(allow_untrusted=True):
        assert result.alert == SIGNED_ALERT


def test_fuzzer_reaches_acceptance_and_refusal() -> None:
    """The mutations are not all fatal: some keep the alert verifiable (a duplicated
    signature), others make it fail or be refused; so the property above is exercised on
    each side.
    """
    def outcome(ops: list[tuple[str, int, int, int]]) -> object:
        root = etree.fromstring(BASES["uri"])
        for op in ops:
            root = _apply(root, op)
        try:
            return verify(etree.tostring(root), trust_store=STORE, at=AT).accepted()
        except CapError:
            return "refused"

    signature_at = [e.tag for e in _elements(etree.fromstring(BASES["uri"]))].index(
        f"{{{DSIG_NS}}}Signature")
    assert outcome([("duplicate", signature_at, 0, 0)]) is True
    assert outcome([("hoist", 0, 0, 1)]) is False          # the signature covers the root
    assert outcome([("wrap", 1, 0, 0)]) is False           # identifier in a wrapper
    assert outcome([("renamespace", 0, 3, 0)]) == "refused"  # root no longer a CAP alert
    two = verify(BASES["two"], trust_store=STORE, at=AT)
    assert two.accepted() and [c.trusted for c in two.checks] == [True, False]
    assert two.alert == SIGNED_ALERT
