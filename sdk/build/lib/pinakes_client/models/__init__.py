# generated from openapi/openapi.json by codegen/generate.py — do not edit
"""Contains all the data models used in inputs/outputs"""

from .accepted_change import AcceptedChange
from .ack_request import AckRequest
from .ack_result import AckResult
from .batch_item import BatchItem
from .batch_item_result import BatchItemResult
from .batch_manifest import BatchManifest
from .batch_outcome import BatchOutcome
from .batch_result import BatchResult
from .change import Change
from .change_type import ChangeType
from .changes_page import ChangesPage
from .chunk_receipt import ChunkReceipt
from .clash_kind import ClashKind
from .client_change import ClientChange
from .conflict import Conflict
from .credentials import Credentials
from .device import Device
from .device_create import DeviceCreate
from .device_login import DeviceLogin
from .device_registration import DeviceRegistration
from .device_token import DeviceToken
from .device_type import DeviceType
from .device_update import DeviceUpdate
from .download_batch_request import DownloadBatchRequest
from .file_entry import FileEntry
from .files_page import FilesPage
from .get_docs_asset_asset import GetDocsAssetAsset
from .get_openapi_response_200 import GetOpenapiResponse200
from .health import Health
from .health_status import HealthStatus
from .item_problem import ItemProblem
from .me import Me
from .problem import Problem
from .report_request import ReportRequest
from .report_result import ReportResult
from .resolution import Resolution
from .resolve_request import ResolveRequest
from .token import Token
from .token_token_type import TokenTokenType
from .upload_batch_body import UploadBatchBody
from .upload_create import UploadCreate
from .upload_result import UploadResult
from .upload_session import UploadSession
from .upload_status import UploadStatus
from .uploaded_file import UploadedFile
from .user import User
from .validation_issue import ValidationIssue

__all__ = (
    "AcceptedChange",
    "AckRequest",
    "AckResult",
    "BatchItem",
    "BatchItemResult",
    "BatchManifest",
    "BatchOutcome",
    "BatchResult",
    "Change",
    "ChangeType",
    "ChangesPage",
    "ChunkReceipt",
    "ClashKind",
    "ClientChange",
    "Conflict",
    "Credentials",
    "Device",
    "DeviceCreate",
    "DeviceLogin",
    "DeviceRegistration",
    "DeviceToken",
    "DeviceType",
    "DeviceUpdate",
    "DownloadBatchRequest",
    "FileEntry",
    "FilesPage",
    "GetDocsAssetAsset",
    "GetOpenapiResponse200",
    "Health",
    "HealthStatus",
    "ItemProblem",
    "Me",
    "Problem",
    "ReportRequest",
    "ReportResult",
    "Resolution",
    "ResolveRequest",
    "Token",
    "TokenTokenType",
    "UploadBatchBody",
    "UploadCreate",
    "UploadResult",
    "UploadSession",
    "UploadStatus",
    "UploadedFile",
    "User",
    "ValidationIssue",
)
