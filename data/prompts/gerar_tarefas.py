"""Gera ``tarefas.jsonl`` e ``exemplos.jsonl`` a partir dos textos escritos à mão abaixo.

Os textos (avaliações, produtos, pessoas, cidades, problemas) foram escritos pela equipe do curso; este
script só os combina com as instruções de cada tipo de tarefa, escreve a regra de verificação e sorteia,
com semente fixa, os números dos problemas de aritmética. Rode de novo depois de editar uma lista:

    python data/prompts/gerar_tarefas.py

Cada tarefa recebe uma ``metade`` ("revisão" ou "medida"), alternada de dois em dois dentro de cada subtipo
e língua (os rótulos alternam nas listas, então cada metade fica com os dois): a análise de erros do
capítulo 8 revisa o prompt olhando só a metade "revisão" e mede o resultado na outra.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent

# ---------------------------------------------------------------------------------------------------
# Instruções, formatos e perguntas cruas de cada subtipo, nas duas línguas

SPEC = {
    "sentimento": {
        "type": "sentimento",
        "pt": ("Classifique o sentimento da avaliação como positivo ou negativo.",
               "Responda só com uma palavra, em minúsculas: positivo ou negativo.", "Avaliação: {x}", "{x}\nSentimento?"),
        "en": ("Classify the sentiment of the review as positive or negative.",
               "Answer with one lowercase word only: positive or negative.", "Review: {x}", "{x}\nSentiment?"),
    },
    "preço": {
        "type": "extração",
        "pt": ("Extraia o preço do produto citado no texto.",
               "Responda só com o número do preço, sem \"R$\", como está no texto (por exemplo: 89,90).",
               "Texto: {x}", "{x}\nPreço?"),
        "en": ("Extract the price of the product mentioned in the text.",
               "Answer with the price number only, without the currency sign, as written in the text (for example: 49.99).",
               "Text: {x}", "{x}\nPrice?"),
    },
    "produto": {
        "type": "extração",
        "pt": ("Extraia o nome do produto citado no texto.", "Responda só com o nome do produto, sem mais nada.",
               "Texto: {x}", "{x}\nProduto?"),
        "en": ("Extract the name of the product mentioned in the text.", "Answer with the product name only, nothing else.",
               "Text: {x}", "{x}\nProduct?"),
    },
    "data": {
        "type": "extração",
        "pt": ("Extraia a data de entrega citada no texto.",
               "Responda só com a data, no formato do texto (por exemplo: 12/03/2024).", "Texto: {x}", "{x}\nData?"),
        "en": ("Extract the delivery date mentioned in the text.",
               "Answer with the date only, in the format used in the text (for example: 2024-03-12).", "Text: {x}", "{x}\nDate?"),
    },
    "json": {
        "type": "json",
        "pt": ("Extraia o nome da pessoa e a cidade citadas no texto, em JSON.",
               "Responda só com um objeto JSON com as chaves \"nome\" e \"cidade\", por exemplo: "
               "{\"nome\": \"Ana Lima\", \"cidade\": \"Belém\"}.", "Texto: {x}", "{x}\nNome e cidade?"),
        "en": ("Extract the person's name and the city mentioned in the text, as JSON.",
               "Answer only with a JSON object with the keys \"name\" and \"city\", for example: "
               "{\"name\": \"Ann Lee\", \"city\": \"Denver\"}.", "Text: {x}", "{x}\nName and city?"),
    },
    "aritmética": {
        "type": "aritmética",
        "pt": ("Resolva o problema.", "Responda só com o número final, sem unidades.", "Problema: {x}", "{x}"),
        "en": ("Solve the problem.", "Answer with the final number only, without units.", "Problem: {x}", "{x}"),
    },
    "palavras": {
        "type": "restrição",
        "pt": ("Escreva uma descrição do produto em no máximo 8 palavras.",
               "Responda numa linha só, com uma frase de 3 a 8 palavras.", "Produto: {x}", "{x}\nDescrição curta?"),
        "en": ("Write a description of the product in at most 8 words.",
               "Answer on a single line, with a sentence of 3 to 8 words.", "Product: {x}", "{x}\nShort description?"),
    },
    "língua": {
        "type": "restrição",
        "pt": ("Responda à pergunta em português, com uma frase completa.",
               "Responda numa linha só, com uma frase completa em português.", "Pergunta: {x}", "{x}"),
        "en": ("Answer the question in English, with a complete sentence.",
               "Answer on a single line, with a complete sentence in English.", "Question: {x}", "{x}"),
    },
    "linhas": {
        "type": "restrição",
        "pt": ("Liste três itens do tipo pedido, um por linha.",
               "Responda com exatamente três linhas, cada uma começando com \"- \".", "Tipo: {x}", "Três {x}?"),
        "en": ("List three items of the requested kind, one per line.",
               "Answer with exactly three lines, each starting with \"- \".", "Kind: {x}", "Three {x}?"),
    },
    "categoria": {
        "type": "classificação",
        "pt": ("Classifique o produto em uma destas categorias: Eletrônicos, Cozinha, Beleza, Brinquedos, Esporte.",
               "Responda só com o nome da categoria.", "Produto: {x}", "{x}\nCategoria?"),
        "en": ("Classify the product into one of these categories: Electronics, Kitchen, Beauty, Toys, Sports.",
               "Answer with the category name only.", "Product: {x}", "{x}\nCategory?"),
    },
}  # fmt: skip
CATEGORIES = {
    "pt": ["Eletrônicos", "Cozinha", "Beleza", "Brinquedos", "Esporte"],
    "en": ["Electronics", "Kitchen", "Beauty", "Toys", "Sports"],
}
LABELS = {"pt": ["positivo", "negativo"], "en": ["positive", "negative"]}

# ---------------------------------------------------------------------------------------------------
# Os textos. Cada lista: as tarefas primeiro, e os 3 últimos itens são as demonstrações (few-shot).

SENTIMENT = {
    "pt": [
        ("Chegou antes do prazo e funciona perfeitamente. Recomendo!", 0),
        ("Parou de funcionar em uma semana e o suporte não responde.", 1),
        ("A cor é linda, o tecido é macio e o tamanho ficou perfeito.", 0),
        ("Veio faltando peça e a caixa estava amassada. Decepcionante.", 1),
        ("Excelente custo-benefício, já comprei o segundo para dar de presente.", 0),
        ("O carregador esquenta muito e desliga sozinho. Não comprem.", 1),
        ("Montagem fácil, material resistente e entrega rápida.", 0),
        ("A tela trincou no primeiro uso e a troca demorou um mês.", 1),
        ("Meu filho adorou, brinca todos os dias sem reclamar.", 0),
        ("O cheiro é horrível e a tampa vaza. Joguei fora.", 1),
        ("Som potente e bateria que dura o dia inteiro. Nota dez.", 0),
        ("Pedi azul e mandaram vermelho; ninguém resolve nada.", 1),
        ("Cabe tudo na mochila e ainda sobra espaço. Muito satisfeito.", 0),
        ("Ficou apertado, costura torta e o zíper quebrou.", 1),
        ("Produto excelente, superou minhas expectativas.", 0),
        ("Demorou um mês para chegar e veio quebrado.", 1),
        ("Funciona bem e o atendimento foi muito atencioso.", 0),
    ],
    "en": [
        ("Great sound quality and the battery lasts all day.", 0),
        ("The handle snapped off after two days. Total waste of money.", 1),
        ("Fits perfectly and the fabric feels soft. Love it!", 0),
        ("It arrived scratched and the seller never answered my emails.", 1),
        ("Easy to set up and works exactly as described.", 0),
        ("The lid leaks every time, coffee all over my desk.", 1),
        ("My daughter plays with it every day, best gift this year.", 0),
        ("Stopped charging after a week and support was useless.", 1),
        ("Sturdy, light and cheaper than the store. Highly recommend.", 0),
        ("The smell is awful and it gave me a rash.", 1),
        ("Fast delivery, well packed, and it looks even better in person.", 0),
        ("Wrong size, wrong color, and the return costs more than the item.", 1),
        ("Keeps my drinks cold for hours, exactly what I needed.", 0),
        ("The buttons stick and the screen flickers constantly.", 1),
        ("Broke on the first day, very disappointed.", 1),
        ("Works great and arrived early.", 0),
        ("Cheap plastic, it cracked when I opened the box.", 1),
    ],
}
PRICE = {  # (texto, preço como está no texto)
    "pt": [
        ("Comprei o fone Bolt por R$ 249,90 e chegou em dois dias.", "249,90"),
        ("A panela de pressão Rápida saiu por R$ 159,00 na promoção.", "159,00"),
        ("Paguei R$ 37,50 na garrafa térmica Serra e adorei.", "37,50"),
        ("O tênis Corre Leve custou R$ 399,99 no site.", "399,99"),
        ("Levei o secador Vento por R$ 129,90, mas veio sem o bico.", "129,90"),
        ("Comprei a chaleira elétrica por R$ 89,90 no sábado.", "89,90"),
        ("O mouse Pulso saiu por R$ 59,00 com frete grátis.", "59,00"),
        ("Paguei R$ 1.299,00 no notebook Aula 14.", "1.299,00"),
    ],
    "en": [
        ("I bought the Echo Mini speaker for $49.99 last week.", "49.99"),
        ("The Trail 30 backpack was on sale for $64.50.", "64.50"),
        ("Paid $12.95 for the Bright desk lamp and it works fine.", "12.95"),
        ("The Arc blender cost me $89.00 at the outlet store.", "89.00"),
        ("I got the Pulse smartwatch for $199.99 on Friday.", "199.99"),
        ("The Nova kettle was $34.99 with free shipping.", "34.99"),
        ("I paid $7.49 for the Swift phone case.", "7.49"),
        ("The Atlas monitor dropped to $229.00 this morning.", "229.00"),
    ],
}
PRODUCT = {  # (texto, nomes aceitos)
    "pt": [
        ("A cafeteira Expresso Mini chegou com a jarra trincada.", ["cafeteira expresso mini", "expresso mini"]),
        ("Usei o aspirador Turbo 2000 por um mês e gostei.", ["aspirador turbo 2000", "turbo 2000"]),
        ("O ventilador Brisa Max faz barulho na velocidade três.", ["ventilador brisa max", "brisa max"]),
        ("Minha filha ganhou a boneca Clara e não larga mais.", ["boneca clara", "clara"]),
        ("A bicicleta Trilha 29 veio com o pneu furado.", ["bicicleta trilha 29", "trilha 29"]),
        ("A mochila Trilha 40L chegou rasgada.", ["mochila Trilha 40L", "Trilha 40L"]),
        ("O liquidificador Força 3 tritura gelo sem esforço.", ["liquidificador Força 3", "Força 3"]),
        ("Comprei o relógio Ponteiro Azul para o meu pai.", ["relógio Ponteiro Azul", "Ponteiro Azul"]),
    ],
    "en": [
        ("The Nova 3 speaker stopped working after a month.", ["nova 3 speaker", "nova 3"]),
        ("I returned the Glide office chair because it squeaks.", ["glide office chair", "glide"]),
        ("My son loves the Rocket 5 drone we bought him.", ["rocket 5 drone", "rocket 5"]),
        ("The Breeze 200 fan is quiet even on high.", ["breeze 200 fan", "breeze 200"]),
        ("We use the Chef Pro knife set every day.", ["chef pro knife set", "chef pro"]),
        ("The Summit 2 tent survived a night of heavy rain.", ["summit 2 tent", "summit 2"]),
        ("The Focus lamp is too dim for reading.", ["focus lamp", "focus"]),
        ("Our Dash 4 vacuum broke after six weeks.", ["dash 4 vacuum", "dash 4"]),
    ],
}
DATE = {  # (texto, data como está no texto)
    "pt": [
        ("O pedido do micro-ondas foi entregue em 15/08/2024, com atraso.", "15/08/2024"),
        ("A geladeira chegou em 03/02/2025, uma semana depois do prometido.", "03/02/2025"),
        ("Recebi o sofá em 21/11/2024 e a montagem foi no mesmo dia.", "21/11/2024"),
        ("A entrega da impressora ficou para 09/06/2025.", "09/06/2025"),
        ("O tapete foi entregue em 30/01/2025 pela transportadora.", "30/01/2025"),
        ("A cama box foi entregue em 12/03/2024 pela manhã.", "12/03/2024"),
        ("O fogão chegou em 27/09/2024, sem as grades.", "27/09/2024"),
        ("Recebi o fone em 05/05/2025 e já estou usando.", "05/05/2025"),
    ],
    "en": [
        ("The washing machine was delivered on 2024-10-02, two days late.", "2024-10-02"),
        ("My new desk arrived on 2025-01-18 in perfect shape.", "2025-01-18"),
        ("The mattress delivery was moved to 2024-12-09.", "2024-12-09"),
        ("The bookshelf was delivered on 2025-03-27 by a courier.", "2025-03-27"),
        ("We got the dishwasher on 2024-07-30 after a long wait.", "2024-07-30"),
        ("The Nova 3 speaker was delivered on 2023-07-14.", "2023-07-14"),
        ("The printer arrived on 2025-02-11 without ink.", "2025-02-11"),
        ("My order was delivered on 2024-05-06 at noon.", "2024-05-06"),
    ],
}
PEOPLE = {  # (texto, nome, cidade)
    "pt": [
        ("Ana Souza, de Recife, devolveu a cafeteira.", "Ana Souza", "Recife"),
        ("O cliente Bruno Lima mora em Curitiba e pediu troca.", "Bruno Lima", "Curitiba"),
        ("Carla Nunes comprou três toalhas em Manaus.", "Carla Nunes", "Manaus"),
        ("Diego Ramos, morador de Salvador, elogiou a entrega.", "Diego Ramos", "Salvador"),
        ("A compra de Elisa Prado foi enviada para Florianópolis.", "Elisa Prado", "Florianópolis"),
        ("Fábio Costa, de Belo Horizonte, reclamou do atraso.", "Fábio Costa", "Belo Horizonte"),
        ("Gabriela Dias pediu um liquidificador em Fortaleza.", "Gabriela Dias", "Fortaleza"),
        ("Heitor Melo vive em Porto Alegre e comprou uma bicicleta.", "Heitor Melo", "Porto Alegre"),
        ("Isabela Farias, de Campinas, avaliou o fone com nota cinco.", "Isabela Farias", "Campinas"),
        ("João Pedro Alves recebeu o sofá em São Luís.", "João Pedro Alves", "São Luís"),
        ("Larissa Moura, de Cuiabá, trocou o tênis por outro número.", "Larissa Moura", "Cuiabá"),
        ("Marcos Teixeira comprou um notebook em Vitória.", "Marcos Teixeira", "Vitória"),
        ("Natália Rezende mora em Maceió e pediu reembolso.", "Natália Rezende", "Maceió"),
        ("Otávio Pires, de Londrina, gostou da garrafa térmica.", "Otávio Pires", "Londrina"),
        ("Pedro Alves, de Natal, comprou dois livros.", "Pedro Alves", "Natal"),
        ("Luiza Rocha mora em Goiânia e comprou uma panela.", "Luiza Rocha", "Goiânia"),
        ("Rafael Gomes, de Teresina, devolveu o ventilador.", "Rafael Gomes", "Teresina"),
    ],
    "en": [
        ("Emma Stone from Seattle returned the jacket.", "Emma Stone", "Seattle"),
        ("Liam Carter lives in Boston and ordered a lamp.", "Liam Carter", "Boston"),
        ("Olivia Brooks bought two towels in Denver.", "Olivia Brooks", "Denver"),
        ("Noah Bennett, from Austin, praised the fast delivery.", "Noah Bennett", "Austin"),
        ("The package for Ava Mitchell was shipped to Chicago.", "Ava Mitchell", "Chicago"),
        ("Ethan Hughes of Portland complained about the delay.", "Ethan Hughes", "Portland"),
        ("Sophia Reed ordered a blender in Phoenix.", "Sophia Reed", "Phoenix"),
        ("Mason Price lives in Atlanta and bought a bike.", "Mason Price", "Atlanta"),
        ("Mia Foster, from Dallas, rated the headphones five stars.", "Mia Foster", "Dallas"),
        ("Lucas Ward received the sofa in Miami.", "Lucas Ward", "Miami"),
        ("Harper Cole from Detroit exchanged her sneakers.", "Harper Cole", "Detroit"),
        ("James Turner bought a laptop in Houston.", "James Turner", "Houston"),
        ("Ella Morgan lives in Nashville and asked for a refund.", "Ella Morgan", "Nashville"),
        ("Henry Blake, from Tampa, liked the water bottle.", "Henry Blake", "Tampa"),
        ("Jack Ellis from Orlando returned the fan.", "Jack Ellis", "Orlando"),
        ("Grace Hall lives in Omaha and bought a kettle.", "Grace Hall", "Omaha"),
        ("Chloe Adams, from Memphis, ordered a rug.", "Chloe Adams", "Memphis"),
    ],
}
ARITHMETIC = {  # modelos de problema; a, b e c são sorteados
    "pt": [
        ("Uma loja vendeu {a} cadernos de manhã e {b} à tarde. Quantos cadernos vendeu no dia?", lambda a, b, c: a + b),
        ("Havia {a} caixas no estoque e saíram {b}. Quantas caixas sobraram?", lambda a, b, c: a - b),
        ("Cada pacote tem {c} pilhas. Quantas pilhas há em {b} pacotes?", lambda a, b, c: b * c),
        ("Ana tinha {a} reais, ganhou {b} e gastou {c}. Com quantos reais ficou?", lambda a, b, c: a + b - c),
        ("Um pedido tem {b} camisetas de {c} reais cada. Quanto custa o pedido, em reais?", lambda a, b, c: b * c),
        ("Quanto é {a} + {b}?", lambda a, b, c: a + b),
        ("Quanto é {a} - {b}?", lambda a, b, c: a - b),
    ],
    "en": [
        ("A shop sold {a} notebooks in the morning and {b} in the afternoon. How many notebooks did it sell that day?", lambda a, b, c: a + b),
        ("There were {a} boxes in the warehouse and {b} were shipped. How many boxes are left?", lambda a, b, c: a - b),
        ("Each pack has {c} batteries. How many batteries are in {b} packs?", lambda a, b, c: b * c),
        ("Sam had {a} dollars, earned {b} and spent {c}. How many dollars does Sam have now?", lambda a, b, c: a + b - c),
        ("An order has {b} shirts at {c} dollars each. How much does the order cost, in dollars?", lambda a, b, c: b * c),
        ("What is {a} + {b}?", lambda a, b, c: a + b),
        ("What is {a} - {b}?", lambda a, b, c: a - b),
    ],
}  # fmt: skip
DESCRIBE = {
    "pt": ["liquidificador de três velocidades com copo de vidro", "fone de ouvido sem fio com cancelamento de ruído",
           "garrafa térmica de aço inox de um litro", "cadeira de escritório com apoio para a lombar",
           "tênis de corrida leve com solado de borracha", "mochila impermeável com divisória para notebook",
           "cadeira de praia dobrável", "luminária de mesa com luz regulável"],
    "en": ["three-speed blender with a glass jar", "wireless headphones with noise cancelling",
           "one-liter stainless steel water bottle", "office chair with lumbar support",
           "lightweight running shoes with a rubber sole", "waterproof backpack with a laptop sleeve",
           "folding beach chair", "desk lamp with adjustable light"],
}  # fmt: skip
# A pergunta vem na outra língua de propósito: a tarefa é responder na língua pedida.
LANGUAGE = {
    "pt": ["What is a blender used for?", "Why do people use umbrellas?", "What is a refrigerator for?",
           "How do you keep a plant healthy?", "What does a thermometer measure?",
           "What is a backpack used for?", "Why do people drink water?", "What is a clock for?"],
    "en": ["Para que serve um liquidificador?", "Por que as pessoas usam guarda-chuva?", "Para que serve uma geladeira?",
           "Como manter uma planta saudável?", "O que um termômetro mede?",
           "Para que serve uma mochila?", "Por que as pessoas bebem água?", "Para que serve um relógio?"],
}  # fmt: skip
LIST_KINDS = {
    "pt": ["frutas", "cores", "instrumentos musicais", "meios de transporte", "esportes", "animais", "flores", "móveis"],
    "en": ["fruits", "colors", "musical instruments", "means of transport", "sports", "animals", "flowers", "pieces of furniture"],
}  # fmt: skip
LIST_DEMOS = {  # para animais, flores e móveis (os 3 últimos tipos)
    "pt": ["- gato\n- cachorro\n- cavalo", "- rosa\n- margarida\n- girassol", "- mesa\n- cadeira\n- sofá"],
    "en": ["- cat\n- dog\n- horse", "- rose\n- daisy\n- sunflower", "- table\n- chair\n- sofa"],
}
DESCRIBE_DEMOS = {  # para os 3 últimos produtos de DESCRIBE
    "pt": ["Mochila impermeável que protege o notebook.", "Cadeira leve que dobra e cabe no carro.",
           "Luminária com brilho ajustável para ler."],
    "en": ["Waterproof backpack that protects your laptop.", "Light chair that folds flat for the beach.",
           "Desk lamp with brightness you can adjust."],
}  # fmt: skip
LANGUAGE_DEMOS = {  # para as 3 últimas perguntas de LANGUAGE
    "pt": ["Uma mochila serve para carregar objetos nas costas.", "As pessoas bebem água para manter o corpo hidratado.",
           "Um relógio serve para mostrar as horas."],
    "en": ["A backpack is used to carry things on your back.", "People drink water to stay hydrated.",
           "A clock shows what time it is."],
}  # fmt: skip
PRODUCTS_CATEGORY = {  # (produto, índice da categoria)
    "pt": [
        ("Fone de ouvido bluetooth com microfone.", 0), ("Carregador portátil de 10.000 mAh.", 0),
        ("Televisão de 50 polegadas.", 0), ("Frigideira antiaderente de 24 cm.", 1),
        ("Jogo de facas com cepo de madeira.", 1), ("Batedeira com tigela de inox.", 1),
        ("Batom vermelho de longa duração.", 2), ("Creme hidratante para o rosto.", 2),
        ("Perfume floral de 100 ml.", 2), ("Carrinho de controle remoto.", 3),
        ("Blocos de montar com 300 peças.", 3), ("Bola de futebol oficial tamanho 5.", 4),
        ("Tapete de ioga antiderrapante.", 4), ("Par de halteres de 3 kg.", 4),
        ("Secador de cabelo com dois níveis de calor.", 2), ("Quebra-cabeça de 500 peças.", 3),
        ("Teclado sem fio com luz.", 0),
    ],
    "en": [
        ("Bluetooth headphones with a microphone.", 0), ("10,000 mAh power bank.", 0), ("50-inch television.", 0),
        ("Non-stick frying pan, 24 cm.", 1), ("Knife set with a wooden block.", 1), ("Stand mixer with a steel bowl.", 1),
        ("Long-lasting red lipstick.", 2), ("Moisturizing face cream.", 2), ("Floral perfume, 100 ml.", 2),
        ("Remote control car.", 3), ("Building blocks, 300 pieces.", 3), ("Official size 5 soccer ball.", 4),
        ("Non-slip yoga mat.", 4), ("Pair of 3 kg dumbbells.", 4),
        ("Wireless keyboard with backlight.", 0), ("Plush teddy bear.", 3), ("Cast iron pot with a lid.", 1),
    ],
}  # fmt: skip


# ---------------------------------------------------------------------------------------------------


def _task(subtype: str, lang: str, x: str, check: dict) -> dict:
    instruction, fmt, input_tpl, bare_tpl = SPEC[subtype][lang]
    return {"type": SPEC[subtype]["type"], "subtype": subtype, "language": lang, "bare": bare_tpl.format(x=x),
            "instruction": instruction, "input": input_tpl.format(x=x), "format": fmt, "check": check}  # fmt: skip


def _example(subtype: str, lang: str, x: str, answer: str) -> dict:
    return {"type": SPEC[subtype]["type"], "subtype": subtype, "language": lang,
            "input": SPEC[subtype][lang][2].format(x=x), "answer": answer}  # fmt: skip


def build() -> tuple[list[dict], list[dict]]:
    """As tarefas e as demonstrações, na ordem do arquivo."""
    rng = random.Random(2026)
    tasks, demos = [], []
    for lang in ("pt", "en"):
        labels, cats = LABELS[lang], CATEGORIES[lang]
        items = SENTIMENT[lang]
        tasks += [_task("sentimento", lang, x, {"kind": "label", "expected": labels[y], "options": labels}) for x, y in items[:-3]]
        demos += [_example("sentimento", lang, x, labels[y]) for x, y in items[-3:]]
        for subtype, source in (("preço", PRICE), ("data", DATE)):
            items = source[lang]
            accepted = (lambda v: [v, f"R$ {v}", f"${v}"]) if subtype == "preço" else (lambda v: [v])
            tasks += [_task(subtype, lang, x, {"kind": "exact", "accepted": accepted(v)}) for x, v in items[:5]]
            demos += [_example(subtype, lang, x, v) for x, v in items[-3:]]
        items = PRODUCT[lang]
        tasks += [_task("produto", lang, x, {"kind": "exact", "accepted": names}) for x, names in items[:5]]
        demos += [_example("produto", lang, x, names[0]) for x, names in items[-3:]]
        key_name, key_city = ("nome", "cidade") if lang == "pt" else ("name", "city")
        items = PEOPLE[lang]
        tasks += [_task("json", lang, x, {"kind": "json", "expected": {key_name: n, key_city: c}}) for x, n, c in items[:-3]]
        demos += [_example("json", lang, x, json.dumps({key_name: n, key_city: c}, ensure_ascii=False)) for x, n, c in items[-3:]]
        problems = []
        for i in range(17):
            template, solve = ARITHMETIC[lang][i % len(ARITHMETIC[lang])]
            a, b, c = rng.randint(20, 90), rng.randint(3, 19), rng.randint(2, 9)
            problems.append((template.format(a=a, b=b, c=c), solve(a, b, c)))
        tasks += [_task("aritmética", lang, x, {"kind": "number", "expected": v}) for x, v in problems[:-3]]
        demos += [_example("aritmética", lang, x, str(v)) for x, v in problems[-3:]]
        items = DESCRIBE[lang]
        tasks += [_task("palavras", lang, x, {"kind": "max_words", "min": 3, "max": 8}) for x in items[:5]]
        demos += [_example("palavras", lang, x, d) for x, d in zip(items[5:], DESCRIBE_DEMOS[lang])]
        items = LANGUAGE[lang]
        tasks += [_task("língua", lang, x, {"kind": "language", "expected": lang}) for x in items[:5]]
        demos += [_example("língua", lang, x, d) for x, d in zip(items[5:], LANGUAGE_DEMOS[lang])]
        items = LIST_KINDS[lang]
        tasks += [_task("linhas", lang, x, {"kind": "lines", "count": 3, "prefix": "- "}) for x in items[:5]]
        demos += [_example("linhas", lang, x, d) for x, d in zip(items[5:], LIST_DEMOS[lang])]
        items = PRODUCTS_CATEGORY[lang]
        tasks += [_task("categoria", lang, x, {"kind": "label", "expected": cats[y], "options": cats}) for x, y in items[:-3]]
        demos += [_example("categoria", lang, x, cats[y]) for x, y in items[-3:]]
    counters: dict[tuple, int] = {}
    for task in tasks:
        key = (task["subtype"], task["language"])
        counters[key] = counters.get(key, 0) + 1
        task["id"] = f"{task['subtype']}-{task['language']}-{counters[key]}"
        group = list(dict.fromkeys((t["subtype"], t["language"]) for t in tasks)).index(key)
        # alterna de dois em dois (as listas alternam os rótulos: em pares, cada metade fica com os dois);
        # o deslocamento por grupo equilibra os grupos de tamanho ímpar
        task["metade"] = "revisão" if ((counters[key] - 1) // 2 + group) % 2 == 0 else "medida"
    order = ["id", "type", "subtype", "language", "metade", "bare", "instruction", "input", "format", "check"]
    return [{k: t[k] for k in order} for t in tasks], demos


def main() -> None:
    tasks, demos = build()
    for name, rows in (("tarefas.jsonl", tasks), ("exemplos.jsonl", demos)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"{len(tasks)} tarefas e {len(demos)} demonstrações escritas em {HERE}")


if __name__ == "__main__":
    main()
