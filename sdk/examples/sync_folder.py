"""Put a folder's files on the server, then fetch the whole library into another folder.

`python sync_folder.py URL USERNAME PASSWORD FROM_FOLDER TO_FOLDER` (the `pinakes` quick start).
"""

import sys
from pathlib import Path

from pinakes import Pinakes

url, username, password, source, target = sys.argv[1:6]
with Pinakes.login(url, username, password) as user:
    _, device_token = user.register_device("sync-folder")
with Pinakes.device(url, device_token) as device:
    for path in sorted(Path(source).rglob("*")):
        if path.is_file():
            done = device.upload_file(path, path.relative_to(source).as_posix())
            print("uploaded" if done.file else "conflict:", path, done.sent_bytes)
    for entry in device.files():
        (Path(target) / entry.path).parent.mkdir(parents=True, exist_ok=True)
        device.download_file(entry.path, Path(target) / entry.path)
    feed = device.changes()
    print(f"{sum(1 for _ in feed)} change(s); acknowledged up to {device.ack(feed.cursor).cursor}")
