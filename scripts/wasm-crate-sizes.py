#!/usr/bin/env python3
"""Prints a wasm module's code bytes per Rust crate, from its `name` section (build without
wasm-opt stripping names: the wasm-bindgen output under $CARGO_TARGET_DIR/wasm-bindgen/release/).
Usage: python3 scripts/wasm-crate-sizes.py FILE.wasm"""
import sys, collections, re
data=open(sys.argv[1],'rb').read()
def leb(b,i):
    r=s=0
    while True:
        x=b[i]; i+=1; r|=(x&0x7f)<<s; s+=7
        if x<0x80: return r,i
i=8; sections=[]
while i<len(data):
    sid=data[i]; i+=1; size,i=leb(data,i); sections.append((sid,i,size)); i+=size
imports=0; names={}; bodies=[]
for sid,off,size in sections:
    b=data[off:off+size]
    if sid==2:
        n,j=leb(b,0)
        for _ in range(n):
            l,j=leb(b,j); j+=l; l,j=leb(b,j); j+=l; kind=b[j]; j+=1
            if kind==0: _,j=leb(b,j); imports+=1
            elif kind==1: j+=1; fl=b[j]; j+=1; _,j=leb(b,j); j= leb(b,j)[1] if fl&1 else j
            elif kind==2: fl=b[j]; j+=1; _,j=leb(b,j); j= leb(b,j)[1] if fl&1 else j
            elif kind==3: j+=2
            elif kind==4: j+=1; _,j=leb(b,j)
    if sid==10:
        n,j=leb(b,0)
        for _ in range(n):
            l,j=leb(b,j); bodies.append(l); j+=l
    if sid==11: print("data section", size)
    if sid==0:
        l,j=leb(b,0); nm=b[j:j+l].decode(); j+=l
        if nm=="name":
            while j<len(b):
                sub=b[j]; j+=1; sl,j=leb(b,j); end=j+sl
                if sub==1:
                    n,k=leb(b,j)
                    for _ in range(n):
                        idx,k=leb(b,k); l,k=leb(b,k); names[idx]=b[k:k+l].decode('utf8','replace'); k+=l
                j=end
crates=collections.Counter()
for k,sz in enumerate(bodies):
    nm=names.get(k+imports,"?")
    m=re.search(r'(?:_ZN|<)?\s*([a-z_][a-z0-9_]*)(?:::|\.\.)',nm.replace('_$LT$','<'))
    crates[m.group(1) if m else nm[:30]]+=sz
print("code total",sum(bodies))
for c,s in crates.most_common(25): print(s,c)
