# generated from openapi/openapi.json by codegen/generate.py — do not edit
from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.batch_outcome import BatchOutcome
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.accepted_change import AcceptedChange
    from ..models.conflict import Conflict
    from ..models.item_problem import ItemProblem


T = TypeVar("T", bound="BatchItemResult")


@_attrs_define
class BatchItemResult:
    """`accepted` carries `accepted`, `conflict` carries `conflict`, `rejected` carries `problem`.

    Attributes:
        index (int):
        path (str): Relative POSIX path, NFC-normalised on arrival; at most 1024 bytes in UTF-8, 255 a segment. A path
            that would be new (a created or modified file, a move's or an upload's target not live now) must also be
            portable: no segment a Windows reserved name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, any case, with or without an
            extension), ending in a dot or a space, or holding < > : " | ? *, and none holding a bidirectional control, a
            zero-width character or a BOM (400, saying which rule). A path stored before that rule can still be read,
            listed, deleted and moved away from.
        outcome (BatchOutcome):
        accepted (AcceptedChange | Unset):
        conflict (Conflict | Unset): A change the server did not apply. Either its base version is not the server's
            (`clash_path` null), or applying it would make the library unholdable on some disk: `clash_path` names the live
            path in the way. keep_local replaces what blocks (a blocking file becomes a tombstone; a blocking folder only
            when it holds no live files, else 409), keep_remote drops the change, keep_both stores it with the clashing
            segment renamed to its conflict-copy name (always a portable name). A `name` conflict is a live file whose path
            is not portable: keep_both moves it to its conflict-copy name; keep_local and keep_remote are 409 while it is
            live there.
        problem (ItemProblem | Unset): Why one item of a batch was not applied (the others were not affected).
    """

    index: int
    path: str
    outcome: BatchOutcome
    accepted: AcceptedChange | Unset = UNSET
    conflict: Conflict | Unset = UNSET
    problem: ItemProblem | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        index = self.index

        path = self.path

        outcome = self.outcome.value

        accepted: dict[str, Any] | Unset = UNSET
        if not isinstance(self.accepted, Unset):
            accepted = self.accepted.to_dict()

        conflict: dict[str, Any] | Unset = UNSET
        if not isinstance(self.conflict, Unset):
            conflict = self.conflict.to_dict()

        problem: dict[str, Any] | Unset = UNSET
        if not isinstance(self.problem, Unset):
            problem = self.problem.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "index": index,
                "path": path,
                "outcome": outcome,
            }
        )
        if accepted is not UNSET:
            field_dict["accepted"] = accepted
        if conflict is not UNSET:
            field_dict["conflict"] = conflict
        if problem is not UNSET:
            field_dict["problem"] = problem

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.accepted_change import AcceptedChange
        from ..models.conflict import Conflict
        from ..models.item_problem import ItemProblem

        d = dict(src_dict)
        index = d.pop("index")

        path = d.pop("path")

        outcome = BatchOutcome(d.pop("outcome"))

        _accepted = d.pop("accepted", UNSET)
        accepted: AcceptedChange | Unset
        if isinstance(_accepted, Unset):
            accepted = UNSET
        else:
            accepted = AcceptedChange.from_dict(_accepted)

        _conflict = d.pop("conflict", UNSET)
        conflict: Conflict | Unset
        if isinstance(_conflict, Unset):
            conflict = UNSET
        else:
            conflict = Conflict.from_dict(_conflict)

        _problem = d.pop("problem", UNSET)
        problem: ItemProblem | Unset
        if isinstance(_problem, Unset):
            problem = UNSET
        else:
            problem = ItemProblem.from_dict(_problem)

        batch_item_result = cls(
            index=index,
            path=path,
            outcome=outcome,
            accepted=accepted,
            conflict=conflict,
            problem=problem,
        )

        batch_item_result.additional_properties = d
        return batch_item_result

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
