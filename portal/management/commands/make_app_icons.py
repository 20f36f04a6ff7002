"""Draw the home-screen icons of the installable web app (static/icons/):
the practice's teal with a white house, the place the strategies are for.
Drawn with Pillow from shapes alone, so no font or image file is needed; the
house stays inside the middle 60 %, so the icon survives an Android launcher's
round or squircle mask ("purpose": "any maskable" in the manifest). The
committed PNGs were made by this command; run it again after changing it."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

TEAL = (29, 92, 99)
WHITE = (255, 255, 255)
AMBER = (242, 169, 0)
SIZES = {"icon-192.png": 192, "icon-512.png": 512, "apple-touch-icon.png": 180}


def draw_icon(size: int) -> Image.Image:
    # Drawn four times larger and scaled down: smooth edges without antialiasing support.
    big = size * 4
    image = Image.new("RGB", (big, big), TEAL)
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return (x * big, y * big)

    draw.polygon([at(0.5, 0.22), at(0.78, 0.47), at(0.22, 0.47)], fill=WHITE)  # roof
    draw.rectangle([at(0.29, 0.45), at(0.71, 0.76)], fill=WHITE)  # walls
    draw.rounded_rectangle([at(0.45, 0.58), at(0.55, 0.76)], radius=big * 0.02, fill=TEAL)
    draw.ellipse([at(0.58, 0.52), at(0.66, 0.60)], fill=AMBER)  # a window lit
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draw the web app's home-screen icons into static/icons/."

    def handle(self, *args, **options) -> None:
        folder = Path(settings.BASE_DIR) / "static" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, size in SIZES.items():
            draw_icon(size).save(folder / name, format="PNG", optimize=True)
            self.stdout.write(f"{folder / name}")
