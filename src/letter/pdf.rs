//! A letter as a PDF: pure bytes out, the same bytes for the same letter.
//!
//! pdf-writer (typst's low-level writer) puts down exactly the objects
//! written here and nothing else: no creation date, no random document id,
//! objects numbered in a fixed order and glyphs collected in sorted maps,
//! so two renders are identical byte for byte. The text is set in DejaVu
//! Sans (`assets/fonts/`, its licence beside it), embedded as a subset of
//! the glyphs the letter uses (typst's `subsetter`) in a composite font
//! with Identity-H encoding: any letter the font has, in any script it
//! covers, prints, and the ToUnicode map lets `pdftotext`, screen readers
//! and search give the text back.

use std::collections::BTreeMap;

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};

use super::Letter;
use super::text::{Block, blocks, wrap};

/// DejaVu Sans (fonts-dejavu-core), embedded in the binary.
pub const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_NAME: &str = "DejaVuSans";

/// "ABCDEF+DejaVuSans": a subset is named with a tag of six capitals,
/// here drawn from the glyphs it holds, so the same letter gets the same
/// name and another subset another.
fn subset_name(font: &Font<'_>) -> String {
    let glyphs: Vec<u8> = font
        .remapper
        .remapped_gids()
        .flat_map(u16::to_be_bytes)
        .collect();
    let digest = crate::digest::sha256_hex(&glyphs);
    let tag: String = digest
        .bytes()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect();
    format!("{tag}+{FONT_NAME}")
}

/// US Letter, in points, with one-inch margins.
const PAGE: (f32, f32) = (612.0, 792.0);
const MARGIN: f32 = 72.0;
const SIZE: f32 = 10.5;
const HEADING_SIZE: f32 = 12.0;
const LEADING: f32 = 14.5;
const BULLET: &str = "•";
const INDENT: f32 = 14.0;

/// Why a PDF could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font cannot be read: {0}")]
    Font(String),
    #[error("the bundled font cannot be subset: {0}")]
    Subset(String),
}

struct Font<'a> {
    face: ttf_parser::Face<'a>,
    /// The glyphs used, numbered in the subset in the order first used.
    remapper: subsetter::GlyphRemapper,
    /// Subset glyph id to its glyph in the whole font and the character
    /// it shows (the first seen), for the widths and ToUnicode.
    used: BTreeMap<u16, (u16, char)>,
}

impl Font<'_> {
    /// The subset's glyph id for `c`.
    fn glyph(&mut self, c: char) -> u16 {
        let whole = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
        let id = self.remapper.remap(whole);
        self.used.entry(id).or_insert((whole, c));
        id
    }

    /// Advance width of glyph `id` in thousandths of the font size.
    fn advance(&self, id: u16) -> f32 {
        let units = f32::from(self.face.units_per_em());
        let advance = self
            .face
            .glyph_hor_advance(ttf_parser::GlyphId(id))
            .unwrap_or(0);
        f32::from(advance) * 1000.0 / units
    }

    /// Width of `text` at `size` points.
    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| {
                let id = self.face.glyph_index(c).map(|g| g.0).unwrap_or(0);
                self.advance(id)
            })
            .sum::<f32>()
            * size
            / 1000.0
    }

    /// `text` as subset glyph ids, two bytes each (Identity-H).
    fn encode(&mut self, text: &str) -> Vec<u8> {
        text.chars()
            .flat_map(|c| self.glyph(c).to_be_bytes())
            .collect()
    }

    fn scaled(&self, value: i16) -> f32 {
        f32::from(value) * 1000.0 / f32::from(self.face.units_per_em())
    }
}

/// One line placed on a page.
struct Placed {
    x: f32,
    size: f32,
    text: String,
    /// The first line of a listed item, with a bullet in the margin.
    bullet: bool,
}

/// The letter's lines, each with its indent and size; None is a blank line.
fn layout(letter: &Letter, font: &Font<'_>) -> Vec<Option<Placed>> {
    let width = PAGE.0 - 2.0 * MARGIN;
    let mut lines = Vec::new();
    let line = |x: f32, size: f32, text: String| {
        Some(Placed {
            x,
            size,
            text,
            bullet: false,
        })
    };
    for block in blocks(letter) {
        match block {
            Block::Line(text) => lines.push(line(MARGIN, SIZE, text)),
            Block::Heading(text) => {
                for text in wrap(&text, width, |s| font.width(s, HEADING_SIZE)) {
                    lines.push(line(MARGIN, HEADING_SIZE, text));
                }
            }
            Block::Blank => lines.push(None),
            Block::Paragraph(text) => {
                for text in wrap(&text, width, |s| font.width(s, SIZE)) {
                    lines.push(line(MARGIN, SIZE, text));
                }
            }
            Block::Item(text) => {
                let wrapped = wrap(&text, width - INDENT, |s| font.width(s, SIZE));
                for (i, text) in wrapped.into_iter().enumerate() {
                    lines.push(Some(Placed {
                        x: MARGIN + INDENT,
                        size: SIZE,
                        text,
                        bullet: i == 0,
                    }));
                }
            }
        }
    }
    lines
}

/// The letter as a PDF.
pub fn render(letter: &Letter) -> Result<Vec<u8>, PdfError> {
    let face = ttf_parser::Face::parse(FONT, 0).map_err(|e| PdfError::Font(e.to_string()))?;
    let mut font = Font {
        face,
        remapper: subsetter::GlyphRemapper::new(),
        used: BTreeMap::new(),
    };
    let lines = layout(letter, &font);
    let per_page = ((PAGE.1 - 2.0 * MARGIN) / LEADING).floor().max(1.0) as usize;
    let pages: Vec<&[Option<Placed>]> = lines.chunks(per_page).collect();

    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let type0 = Ref::new(3);
    let cid = Ref::new(4);
    let descriptor = Ref::new(5);
    let font_file = Ref::new(6);
    let to_unicode = Ref::new(7);
    let first_page = 8;
    let page_ref = |i: usize| Ref::new(first_page + 2 * i as i32);
    let content_ref = |i: usize| Ref::new(first_page + 2 * i as i32 + 1);
    let font_name = Name(b"F1");

    let mut pdf = Pdf::new();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids((0..pages.len()).map(page_ref))
        .count(pages.len() as i32);
    for (i, page_lines) in pages.iter().enumerate() {
        let mut page = pdf.page(page_ref(i));
        page.media_box(Rect::new(0.0, 0.0, PAGE.0, PAGE.1));
        page.parent(tree);
        page.contents(content_ref(i));
        page.resources().fonts().pair(font_name, type0);
        page.finish();

        let mut content = Content::new();
        let mut y = PAGE.1 - MARGIN;
        for placed in page_lines.iter() {
            y -= LEADING;
            let Some(placed) = placed else { continue };
            if placed.bullet {
                show(
                    &mut content,
                    &mut font,
                    font_name,
                    (MARGIN, y),
                    placed.size,
                    BULLET,
                );
            }
            show(
                &mut content,
                &mut font,
                font_name,
                (placed.x, y),
                placed.size,
                &placed.text,
            );
        }
        pdf.stream(content_ref(i), &content.finish());
    }
    let subset = subsetter::subset(FONT, 0, &font.remapper)
        .map_err(|e| PdfError::Subset(format!("{e:?}")))?;
    write_font(
        &mut pdf,
        &font,
        &subset,
        [type0, cid, descriptor, font_file, to_unicode],
    );
    Ok(pdf.finish())
}

fn show(
    content: &mut Content,
    font: &mut Font<'_>,
    name: Name,
    (x, y): (f32, f32),
    size: f32,
    text: &str,
) {
    let glyphs = font.encode(text);
    content.begin_text();
    content.set_font(name, size);
    content.next_line(x, y);
    content.show(Str(&glyphs));
    content.end_text();
}

/// The composite font: Type0 over a CIDFontType2 whose CIDs are glyph
/// ids, the widths of the glyphs used, the font file, and ToUnicode.
fn write_font(pdf: &mut Pdf, font: &Font<'_>, subset: &[u8], refs: [Ref; 5]) {
    let [type0, cid, descriptor, font_file, to_unicode] = refs;
    let name = subset_name(font);
    let name = Name(name.as_bytes());
    let system_info = SystemInfo {
        registry: Str(b"Adobe"),
        ordering: Str(b"Identity"),
        supplement: 0,
    };
    pdf.type0_font(type0)
        .base_font(name)
        .encoding_predefined(Name(b"Identity-H"))
        .descendant_font(cid)
        .to_unicode(to_unicode);

    let mut cid_font = pdf.cid_font(cid);
    cid_font
        .subtype(CidFontType::Type2)
        .base_font(name)
        .system_info(system_info)
        .font_descriptor(descriptor)
        .default_width(0.0)
        .cid_to_gid_map_predefined(Name(b"Identity"));
    {
        let mut widths = cid_font.widths();
        for (&id, &(whole, _)) in &font.used {
            widths.consecutive(id, [font.advance(whole)]);
        }
    }
    cid_font.finish();

    let face = &font.face;
    let bbox = face.global_bounding_box();
    pdf.font_descriptor(descriptor)
        .name(name)
        .flags(FontFlags::NON_SYMBOLIC)
        .bbox(Rect::new(
            font.scaled(bbox.x_min),
            font.scaled(bbox.y_min),
            font.scaled(bbox.x_max),
            font.scaled(bbox.y_max),
        ))
        .italic_angle(0.0)
        .ascent(font.scaled(face.ascender()))
        .descent(font.scaled(face.descender()))
        .cap_height(font.scaled(face.capital_height().unwrap_or(face.ascender())))
        .stem_v(80.0)
        .font_file2(font_file);

    let compressed = miniz_oxide::deflate::compress_to_vec_zlib(subset, 6);
    pdf.stream(font_file, &compressed)
        .filter(Filter::FlateDecode)
        .pair(Name(b"Length1"), subset.len() as i32);

    let mut cmap = UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"UCS"),
            supplement: 0,
        },
    );
    for (&id, &(_, c)) in &font.used {
        cmap.pair(id, c);
    }
    pdf.cmap(to_unicode, &cmap.finish());
}
