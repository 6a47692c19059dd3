"""Render a report document to Markdown (figures as files) and to self-contained HTML.

A document is a title and a list of sections. A section contains paragraphs, tables, preformatted
text and images. The HTML embeds every image as a base64 PNG data URI and loads nothing from
elsewhere, so the file can be opened offline or mailed on its own.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field


@dataclass
class Table:
    """A table of already formatted cells."""

    header: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    """A PNG figure with the file name it gets next to report.md."""

    file_name: str
    caption: str
    png: bytes


@dataclass
class Preformatted:
    """Text shown verbatim in a monospace block."""

    text: str


Block = str | Table | Image | Preformatted


@dataclass
class Section:
    """A titled part of the report."""

    title: str
    blocks: list[Block] = field(default_factory=list)


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(title: str, sections: list[Section], figure_directory: str) -> str:
    """Return the report as Markdown, with images linked as figure_directory/<file_name>."""
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        for block in section.blocks:
            if isinstance(block, Table):
                lines.append("| " + " | ".join(map(_markdown_cell, block.header)) + " |")
                lines.append("|" + "---|" * len(block.header))
                for row in block.rows:
                    lines.append("| " + " | ".join(map(_markdown_cell, row)) + " |")
            elif isinstance(block, Image):
                lines.append(f"![{block.caption}]({figure_directory}/{block.file_name})")
                lines.append("")
                lines.append(f"*{block.caption}*")
            elif isinstance(block, Preformatted):
                lines += ["```", block.text, "```"]
            else:
                lines.append(block)
            lines.append("")
    return "\n".join(lines)


HTML_STYLE = """
body { font-family: sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; font-size: 0.92em; }
th, td { border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left; }
th { background: #eee; }
figure { margin: 1em 0; }
img { max-width: 100%; }
figcaption { font-style: italic; font-size: 0.9em; }
pre { background: #f4f4f4; padding: 0.6em; overflow-x: auto; font-size: 0.85em; }
"""


def to_html(title: str, sections: list[Section]) -> str:
    """Return the report as one HTML page with every image embedded as a base64 PNG."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        f"<style>{HTML_STYLE}</style>",
        "</head><body>",
        f"<h1>{html.escape(title)}</h1>",
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Table):
                header = "".join(f"<th>{html.escape(cell)}</th>" for cell in block.header)
                rows = "".join(
                    "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
                    for row in block.rows
                )
                parts.append(
                    f"<table><thead><tr>{header}</tr></thead><tbody>{rows}</tbody></table>"
                )
            elif isinstance(block, Image):
                encoded = base64.b64encode(block.png).decode("ascii")
                caption = html.escape(block.caption)
                parts.append(
                    f'<figure><img alt="{caption}" src="data:image/png;base64,{encoded}">'
                    f"<figcaption>{caption}</figcaption></figure>"
                )
            elif isinstance(block, Preformatted):
                parts.append(f"<pre>{html.escape(block.text)}</pre>")
            else:
                parts.append(f"<p>{html.escape(block)}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
