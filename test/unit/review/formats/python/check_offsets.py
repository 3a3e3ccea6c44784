"""Reads Hearth's spaCy and BRAT exports the way Python tools do and checks every span's text.

spaCy/Prodigy: text[start:end] (code points) must be the span's text.
BRAT: both files read with universal newlines, as brat's open_textfile does; a text-bound line's
text must equal its fragments' texts joined by one space, and fragments must not overlap (brat's
TextAnnotations._parse_textbound_annotation rules).
Usage: check_offsets.py SPACY_JSONL BRAT_DIR; prints the counts, exits 1 on the first mismatch.
"""
import glob
import json
import sys

spacy_file, brat_dir = sys.argv[1], sys.argv[2]
spans = 0
with open(spacy_file, encoding='utf-8') as f:
    for line in f:
        doc = json.loads(line)
        for span in doc['spans']:
            if doc['text'][span['start']:span['end']] != span['text']:
                sys.exit('spacy mismatch: %r' % (span,))
            spans += 1
bounds = 0
for ann in sorted(glob.glob(brat_dir + '/*.ann')):
    with open(ann[:-4] + '.txt', encoding='utf-8', newline=None) as f:
        text = f.read()
    with open(ann, encoding='utf-8', newline=None) as f:
        for line in f:
            line = line.rstrip('\n')
            if not line.startswith('T'):
                continue
            _, data, tail = line.split('\t', 2)
            fragments = [tuple(int(x) for x in pair.split(' ')) for pair in data.split(' ', 1)[1].split(';')]
            seen = []
            for start, end in fragments:
                if start > end or start < 0 or end > len(text):
                    sys.exit('brat offsets out of range: ' + line)
                for other_start, other_end in seen:
                    if end >= other_start and start < other_end:
                        sys.exit('brat fragments overlap: ' + line)
                seen.append((start, end))
            if ' '.join(text[s:e] for s, e in fragments) != tail:
                sys.exit('brat text mismatch: ' + line)
            bounds += 1
print(json.dumps({'spans': spans, 'bounds': bounds}))
